import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { failureForLog } from '../../shared/logger';
import { getRuntime, type Runtime } from '../../shared/runtime';
import {
  acceptChangeNotifications,
  needsRedelivery,
  notificationBatchSchema,
  parseNotifications,
} from '../../shared/sync/notificationIntake';
import { invocationLogger } from './invocationLogger';
import { problem, readJsonBody, within } from './requestBody';

/** Graph's notification bodies are small; anything near this is not Graph. */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;
/**
 * Graph counts an answer over 2.9 s as slow and gives up on it at 3 s; answer
 * well before, and let Graph retry if queuing is stuck. Counted from the
 * POST's arrival at the handler, so reading the body and a runtime still
 * starting (the first call on a new instance) spend it too.
 */
export const NOTIFICATION_DEADLINE_MS = 2500;

/**
 * Graph's validation handshake: echo the token as plain text. The token is
 * opaque and reflected back, so it goes out as text/plain with nosniff and a
 * length bound; it is never interpreted or logged.
 */
export function validationResponse(request: HttpRequest): HttpResponseInit | undefined {
  const token = request.query.get('validationToken');
  if (token === null) return undefined;
  if (token.length === 0 || token.length > 4096) {
    return { status: 400, jsonBody: { error: 'validationToken must be 1 to 4096 characters' } };
  }
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: token,
  };
}

type QueueingOutcome =
  | { kind: 'done' }
  | { kind: 'redeliver' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'late' };

const REFUSALS = { failed: 'queueFailed', late: 'late', redeliver: 'unverified' } as const;

/**
 * One POST from Graph (change or lifecycle notifications): the handshake, or
 * verify and queue, answering 202 only once the syncs are queued. If queuing
 * fails or stalls, or items of Graph's could not be verified in time
 * (needsRedelivery), 503 makes Graph deliver the notifications again, so
 * none is acknowledged and lost: Graph resends what does not get a 2xx
 * within 3 s, for up to 4 hours
 * (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks).
 * Items that are malformed, forged or unknown are dropped one by one and never
 * turn the answer into a 5xx; 400 only when no item at all is usable.
 *
 * The deadline runs from the POST's arrival, before the runtime is awaited: a
 * cold start (tokens, connections) eats into it instead of pushing the answer
 * past Graph's 3 s, and the start carries on for the next call (Graph's
 * retry included). The validation handshake never waits for the runtime
 * (Graph allows it 10 s,
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks#notificationurl-validation).
 */
export async function answerGraphPost(
  request: HttpRequest,
  context: InvocationContext,
  cause: 'notification' | 'lifecycle',
): Promise<HttpResponseInit> {
  const arrivedAt = performance.now();
  const validation = validationResponse(request);
  if (validation) return validation;
  const body = await readJsonBody(request, notificationBatchSchema, MAX_NOTIFICATION_BYTES);
  if (!body.ok) return body.response;
  const parsed = parseNotifications(body.value.value);
  if (parsed.notifications.length === 0) return problem(400, parsed.firstProblem ?? 'no notification');
  const log = invocationLogger(context);
  if (parsed.malformed > 0)
    log.warn('dropped malformed change notifications', { malformed: parsed.malformed });
  let started: Runtime | undefined;
  const work = getRuntime()
    .then((runtime) => {
      started = runtime;
      return acceptChangeNotifications(parsed.notifications, runtime.intake(log, cause));
    })
    .then(
      (result): QueueingOutcome => (needsRedelivery(result) ? { kind: 'redeliver' } : { kind: 'done' }),
      (error: unknown): QueueingOutcome => ({ kind: 'failed', error }),
    );
  const left = NOTIFICATION_DEADLINE_MS - (performance.now() - arrivedAt);
  const outcome = await within<QueueingOutcome>(Math.max(0, left), work, { kind: 'late' });
  if (outcome.kind === 'done') return { status: 202 };
  if (outcome.kind === 'failed')
    log.error(
      started ? `could not queue syncs for ${cause}s` : 'the runtime could not start',
      failureForLog(outcome.error),
    );
  else if (outcome.kind === 'late' && !started)
    log.warn('the runtime was still starting at the deadline; asking Graph to retry');
  else if (outcome.kind === 'late') log.warn('queuing syncs took too long; asking Graph to retry');
  else log.warn('some notifications could not be verified; asking Graph to deliver them again');
  // Counted once the runtime is there; a start still under way counts when it completes.
  const refusal = REFUSALS[outcome.kind];
  if (started) started.metrics.notificationRefused(cause, refusal);
  else
    void getRuntime().then(
      (runtime) => runtime.metrics.notificationRefused(cause, refusal),
      () => undefined,
    );
  return { status: 503, headers: { 'Retry-After': '5' }, jsonBody: { error: 'try again' } };
}
