import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { acceptChangeNotifications, notificationBatchSchema } from '../shared/services/notificationIntake';
import { MAX_NOTIFICATION_BYTES, NOTIFICATION_DEADLINE_MS, validationResponse } from './support/graphWebhook';
import { readJsonBody, within } from './support/httpBody';
import { invocationLogger } from './support/logger';
import { registerHttp } from './support/registry';

/**
 * Graph lifecycle notifications (reauthorizationRequired, subscriptionRemoved,
 * missed). Each may mean notifications were lost, so every verified one queues
 * a catch-up sync of its user; the maintenance timer renews or re-creates the
 * subscription itself.
 */
export async function graphLifecycle(
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
    cause: 'lifecycle',
    log,
  }).then(
    () => true,
    (error: unknown) => {
      log.error('could not queue catch-up syncs for lifecycle notifications', { error: String(error) });
      return false;
    },
  );
  const queued = await within(NOTIFICATION_DEADLINE_MS, work, false);
  return queued
    ? { status: 202 }
    : { status: 503, headers: { 'Retry-After': '5' }, jsonBody: { error: 'try again' } };
}

registerHttp('graphLifecycle', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'graph/lifecycle',
  handler: graphLifecycle,
});
