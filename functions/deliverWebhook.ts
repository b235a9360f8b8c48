// One attempt of one signed webhook per message. The message completes
// whatever the PBX answered; a retry is a new message scheduled by the
// service. Only a failure to record or schedule throws (the queue redelivers).

import type { InvocationContext } from '@azure/functions';
import { handleDelivery } from '../shared/delivery/deliveryAttempt';
import { deliveryRequestSchema } from '../shared/pbx/pbxEventSchema';
import { getRuntime } from '../shared/runtime';
import { registerQueue } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

export async function deliverWebhookFunction(message: unknown, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const parsed = deliveryRequestSchema.safeParse(message);
  if (!parsed.success) {
    log.error('unreadable delivery message dropped', { issues: parsed.error.issues.length });
    return;
  }
  const runtime = await getRuntime();
  await handleDelivery(parsed.data, runtime.delivery(log));
}

registerQueue('deliverWebhook', {
  queueName: 'deliveries',
  connection: 'ServiceBusConnection',
  handler: deliverWebhookFunction,
});
