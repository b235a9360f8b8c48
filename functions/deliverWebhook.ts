// One attempt of one signed webhook per message. The message completes
// whatever the PBX answered; a retry is a new message scheduled by the
// service. Only a failure to record or schedule throws; that is tried again
// after growing pauses and dead-lettered after the last attempt (runtime.retrying).

import type { InvocationContext } from '@azure/functions';
import { handleDelivery } from '../shared/delivery/deliveryAttempt';
import { deliveryRequestSchema } from '../shared/pbx/pbxEventSchema';
import { receivedInfoFromTrigger } from '../shared/queue/serviceBusTriggerMetadata';
import { getRuntime } from '../shared/runtime';
import { registerQueue } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

export async function deliverWebhookFunction(message: unknown, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const info = receivedInfoFromTrigger(context.triggerMetadata);
  const parsed = deliveryRequestSchema.safeParse(message);
  if (!parsed.success) {
    log.error('unreadable delivery message dropped', { issues: parsed.error.issues.length });
    return;
  }
  const request = parsed.data;
  const runtime = await getRuntime();
  await runtime.retrying('deliveries', log)(message, info, async () => {
    await handleDelivery(request, runtime.delivery(log));
  });
}

registerQueue('deliverWebhook', {
  queueName: 'deliveries',
  connection: 'ServiceBusConnection',
  handler: deliverWebhookFunction,
});
