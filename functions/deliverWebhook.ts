import type { InvocationContext } from '@azure/functions';
import { handleDelivery } from '../shared/delivery/deliveryAttempt';
import { deliveryRequestSchema } from '../shared/pbx/pbxEventSchema';
import { parseAllowedHosts } from '../shared/pbx/privateAddress';
import { DEFAULT_RETRY_POLICY } from '../shared/pbx/retrySchedule';
import { getRuntime } from '../shared/runtime';
import { registerQueue } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

/**
 * One attempt of one signed webhook per message. The message completes
 * whatever the PBX answered; a retry is a new message scheduled by the
 * service. Only a failure to record or schedule throws (the queue redelivers).
 */
export async function deliverWebhookFunction(message: unknown, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const parsed = deliveryRequestSchema.safeParse(message);
  if (!parsed.success) {
    log.error('unreadable delivery message dropped', { issues: parsed.error.issues.length });
    return;
  }
  const runtime = await getRuntime();
  const { config } = runtime;
  await handleDelivery(parsed.data, {
    integrations: runtime.repos.integrations,
    deliveries: runtime.repos.deliveries,
    secrets: runtime.secrets,
    queue: runtime.queue,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, scheduleSeconds: config.PBX_RETRY_SCHEDULE_SECONDS },
    target: {
      timeoutMs: config.PBX_TIMEOUT_MS,
      allowInsecureLoopback: config.PBX_ALLOW_INSECURE_LOOPBACK,
      allowedPrivateHosts: parseAllowedHosts(config.PBX_ALLOWED_PRIVATE_HOSTS),
    },
    now: runtime.now,
    // Signatures carry wall-clock time: receivers reject timestamps far from their own clock.
    signingNow: () => new Date(),
    log,
  });
}

registerQueue('deliverWebhook', {
  queueName: 'deliveries',
  connection: 'ServiceBusConnection',
  handler: deliverWebhookFunction,
});
