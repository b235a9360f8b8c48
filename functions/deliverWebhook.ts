import type { InvocationContext } from '@azure/functions';
import { deliveryRequestSchema } from '../shared/pbx/pbxEventSchema';
import { getRuntime } from '../shared/runtime';
import { handleDelivery } from '../shared/services/webhookDelivery';
import { invocationLogger } from './support/logger';
import { registerQueue } from './support/registry';

/** One signed webhook to the PBX per message; a failure throws, and the queue retries it. */
export async function deliverWebhookFunction(message: unknown, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const parsed = deliveryRequestSchema.safeParse(message);
  if (!parsed.success) {
    log.error('unreadable delivery message dropped', { issues: parsed.error.issues.length });
    return;
  }
  const runtime = await getRuntime();
  await handleDelivery(parsed.data, {
    integrations: runtime.repos.integrations,
    secrets: runtime.secrets,
    timeoutMs: runtime.config.PBX_TIMEOUT_MS,
    allowInsecureLoopback: runtime.config.PBX_ALLOW_INSECURE_LOOPBACK,
    // Signatures carry wall-clock time: receivers reject timestamps far from their own clock.
    now: () => new Date(),
    log,
  });
}

registerQueue('deliverWebhook', {
  queueName: 'deliveries',
  connection: 'ServiceBusConnection',
  handler: deliverWebhookFunction,
});
