// Sends to Service Bus. Every message goes through a size-checked batch
// (`createMessageBatch`), one batch per session because the SDK wants all
// messages of one send to share a session. Scheduled messages ride in the same
// batches with `scheduledEnqueueTimeUtc` instead of `scheduleMessages`: one
// code path and one round trip per batch, and we never cancel a scheduled
// message (the sequence numbers `scheduleMessages` returns would only serve
// that). If a later batch fails after an earlier one went out, the caller's
// retry resends everything and duplicate detection drops what already arrived.
//
// Deployment note: batches of distinct message ids are refused by queues that
// combine partitioning with duplicate detection; our queues are not partitioned.

import type { TokenCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { serializeOutgoingMessage } from './outgoingMessage';
import type { OutgoingMessage, QueueName, QueueSender } from './queuePort';

export interface MessageBatchLike {
  readonly count: number;
  tryAddMessage(message: ServiceBusMessage): boolean;
}

export interface ServiceBusSenderLike<Batch extends MessageBatchLike = MessageBatchLike> {
  createMessageBatch(): Promise<Batch>;
  sendMessages(batch: NoInfer<Batch>): Promise<void>;
  close(): Promise<void>;
}

/** The part of `ServiceBusClient` we use, so tests can hand in a recording fake. */
export interface ServiceBusClientLike<Batch extends MessageBatchLike = MessageBatchLike> {
  createSender(queueName: string): ServiceBusSenderLike<Batch>;
}

export interface ServiceBusQueueSender extends QueueSender {
  /** Closes the cached senders (not the client, which the composition root owns). */
  close(): Promise<void>;
}

export function createServiceBusClient(
  fullyQualifiedNamespace: string,
  credential: TokenCredential,
): ServiceBusClient {
  return new ServiceBusClient(fullyQualifiedNamespace, credential);
}

export function createServiceBusQueueSender<Batch extends MessageBatchLike>(
  client: ServiceBusClientLike<Batch>,
): ServiceBusQueueSender {
  // Opening a sender link costs a round trip; keep one per queue for the life of the process.
  const senders = new Map<QueueName, ServiceBusSenderLike<Batch>>();

  function senderFor(queue: QueueName): ServiceBusSenderLike<Batch> {
    let sender = senders.get(queue);
    if (!sender) {
      sender = client.createSender(queue);
      senders.set(queue, sender);
    }
    return sender;
  }

  async function send(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    const bySession = new Map<string | undefined, ServiceBusMessage[]>();
    for (const message of messages) {
      const mapped = toServiceBusMessage(message);
      bySession.set(message.sessionId, [...(bySession.get(message.sessionId) ?? []), mapped]);
    }
    if (bySession.size === 0) return;
    const sender = senderFor(queue);
    for (const group of bySession.values()) await sendInBatches(sender, group);
  }

  async function close(): Promise<void> {
    const open = [...senders.values()];
    senders.clear();
    await Promise.all(open.map((sender) => sender.close()));
  }

  return { send, close };
}

export function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  // Checked and copied here so Azure refuses exactly what the in-process queue refuses.
  const body: unknown = JSON.parse(serializeOutgoingMessage(message));
  return {
    body,
    messageId: message.messageId,
    contentType: 'application/json',
    ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
    ...(message.applicationProperties ? { applicationProperties: { ...message.applicationProperties } } : {}),
    ...(message.scheduledEnqueueTime
      ? { scheduledEnqueueTimeUtc: new Date(message.scheduledEnqueueTime) }
      : {}),
  };
}

async function sendInBatches<Batch extends MessageBatchLike>(
  sender: ServiceBusSenderLike<Batch>,
  messages: ServiceBusMessage[],
): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (const message of messages) {
    if (batch.tryAddMessage(message)) continue;
    if (batch.count === 0) {
      throw new Error(`Message ${String(message.messageId)} is too large for one Service Bus message`);
    }
    await sender.sendMessages(batch);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message)) {
      throw new Error(`Message ${String(message.messageId)} is too large for one Service Bus message`);
    }
  }
  if (batch.count > 0) await sender.sendMessages(batch);
}
