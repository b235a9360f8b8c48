// One user's sync. The queue is session-enabled with the user as session, so
// two syncs of one user never run at once and delta links cannot race. A
// message that does not parse is logged and dropped: retrying cannot fix it.
// A sync that fails is tried again after growing pauses, in the same session,
// and dead-lettered after the last attempt (runtime.retrying).

import type { InvocationContext } from '@azure/functions';
import { receivedInfoFromTrigger } from '../shared/queue/serviceBusTriggerMetadata';
import { getRuntime } from '../shared/runtime';
import { syncRequestSchema } from '../shared/sync/syncRequest';
import { handleSyncRequest } from '../shared/sync/userSync';
import { registerQueue } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

export async function syncUser(message: unknown, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const info = receivedInfoFromTrigger(context.triggerMetadata);
  const parsed = syncRequestSchema.safeParse(message);
  if (!parsed.success) {
    log.error('unreadable sync message dropped', {
      messageId: info.messageId,
      issues: parsed.error.issues.length,
    });
    return;
  }
  const request = parsed.data;
  const runtime = await getRuntime();
  await runtime.retrying('sync', log)(message, info, async ({ again }) => {
    // A retried copy is a fresh message (delivery count 1) but as much a second try as a redelivery.
    const outcome = await handleSyncRequest(request, runtime.sync(log), { redelivered: again });
    if (outcome.kind === 'skipped') log.info('sync skipped', { userId: request.userId, why: outcome.why });
  });
}

registerQueue('syncUser', {
  queueName: 'sync',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  handler: syncUser,
});
