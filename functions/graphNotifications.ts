import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { acceptChangeNotifications, notificationBatchSchema } from '../shared/services/notificationIntake';
import { MAX_NOTIFICATION_BYTES, NOTIFICATION_DEADLINE_MS, validationResponse } from './support/graphWebhook';
import { readJsonBody, within } from './support/httpBody';
import { invocationLogger } from './support/logger';
import { registerHttp } from './support/registry';

type QueueingOutcome = { kind: 'done' } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/**
 * Graph change notifications. Answers 202 only once the syncs are queued, so
 * a notification is never acknowledged and lost; if queuing fails or stalls,
 * 503 makes Graph deliver it again.
 */
export async function graphNotifications(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const validation = validationResponse(request);
  if (validation) return validation;
  const body = await readJsonBody(request, notificationBatchSchema, MAX_NOTIFICATION_BYTES);
  if (!body.ok) return body.response;
  const runtime = await getRuntime();
  const log = invocationLogger(context);
  const work = acceptChangeNotifications(body.value.value, {
    subscriptions: runtime.repos.subscriptions,
    queue: runtime.queue,
    now: runtime.now,
    coalesceSeconds: runtime.config.SYNC_COALESCE_SECONDS,
    cache: runtime.subscriptionCache,
    log,
  }).then(
    (): QueueingOutcome => ({ kind: 'done' }),
    (error: unknown): QueueingOutcome => ({ kind: 'failed', error }),
  );
  const outcome = await within<QueueingOutcome>(NOTIFICATION_DEADLINE_MS, work, { kind: 'late' });
  if (outcome.kind === 'done') return { status: 202 };
  if (outcome.kind === 'failed') {
    log.error('could not queue syncs for notifications', { error: String(outcome.error) });
  } else {
    log.warn('queuing syncs took too long; asking Graph to retry');
  }
  return { status: 503, headers: { 'Retry-After': '5' }, jsonBody: { error: 'try again' } };
}

registerHttp('graphNotifications', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'graph/notifications',
  handler: graphNotifications,
});
