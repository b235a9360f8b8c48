import type { TokenCredential } from '@azure/identity';
import type { ServiceBusMessage } from '@azure/service-bus';
import {
  createServiceBusClient,
  createServiceBusQueueSender,
  type MessageBatchLike,
  type ServiceBusClientLike,
} from '../../shared/queue/serviceBusQueue';
import { receivedInfoFromTrigger } from '../../shared/queue/serviceBusTriggerMetadata';

/** A stand-in for ServiceBusClient that records what it was asked to send; batches hold `capacity` messages. */
function recordingClient(capacity = 100) {
  const sent: Array<{ queue: string; messages: ServiceBusMessage[] }> = [];
  const created: string[] = [];
  const closed: string[] = [];
  interface FakeBatch extends MessageBatchLike {
    messages: ServiceBusMessage[];
  }
  const client: ServiceBusClientLike<FakeBatch> = {
    createSender(queue) {
      created.push(queue);
      return {
        async createMessageBatch() {
          const messages: ServiceBusMessage[] = [];
          return {
            messages,
            get count() {
              return messages.length;
            },
            tryAddMessage(message) {
              if (messages.length >= capacity || JSON.stringify(message.body).length > 1000) return false;
              messages.push(message);
              return true;
            },
          };
        },
        async sendMessages(batch) {
          sent.push({ queue, messages: batch.messages });
        },
        async close() {
          closed.push(queue);
        },
      };
    },
  };
  return { client, sent, created, closed };
}

describe('Service Bus queue sender', () => {
  it('maps outgoing messages to Service Bus messages', async () => {
    const { client, sent } = recordingClient();
    const sender = createServiceBusQueueSender(client);
    const at = new Date('2026-11-25T09:00:00Z');
    await sender.send('sync', [
      {
        body: { userId: 'u1' },
        messageId: 'sync-u1',
        sessionId: 'u1',
        scheduledEnqueueTime: at,
        applicationProperties: { reason: 'notification', attempt: 1, urgent: false },
      },
    ]);
    expect(sent).toEqual([
      {
        queue: 'sync',
        messages: [
          {
            body: { userId: 'u1' },
            messageId: 'sync-u1',
            sessionId: 'u1',
            contentType: 'application/json',
            scheduledEnqueueTimeUtc: at,
            applicationProperties: { reason: 'notification', attempt: 1, urgent: false },
          },
        ],
      },
    ]);
  });

  it('keeps one sender per queue and one send per session, splitting full batches', async () => {
    const { client, sent, created, closed } = recordingClient(2);
    const sender = createServiceBusQueueSender(client);
    await sender.send('deliveries', [
      { body: 1, messageId: 'a1', sessionId: 'a' },
      { body: 2, messageId: 'b1', sessionId: 'b' },
      { body: 3, messageId: 'a2', sessionId: 'a' },
      { body: 4, messageId: 'a3', sessionId: 'a' },
    ]);
    await sender.send('deliveries', [{ body: 5, messageId: 'n1' }]);
    await sender.send('sync', [{ body: 6, messageId: 's1' }]);

    expect(created).toEqual(['deliveries', 'sync']);
    expect(
      sent.map(({ queue, messages }) => `${queue}:${messages.map((m) => m.messageId).join(',')}`),
    ).toEqual(['deliveries:a1,a2', 'deliveries:a3', 'deliveries:b1', 'deliveries:n1', 'sync:s1']);
    expect(sent[4]?.messages[0]).not.toHaveProperty('sessionId');
    expect(sent[4]?.messages[0]).not.toHaveProperty('scheduledEnqueueTimeUtc');

    await sender.close();
    expect(closed.sort()).toEqual(['deliveries', 'sync']);
  });

  it('refuses non-JSON bodies and messages too large for a batch, naming the message', async () => {
    const { client, sent } = recordingClient();
    const sender = createServiceBusQueueSender(client);
    await expect(sender.send('sync', [{ body: { when: new Date() }, messageId: 'm-date' }])).rejects.toThrow(
      /m-date.*body\.when is a Date/,
    );
    await expect(sender.send('sync', [{ body: 'x'.repeat(2000), messageId: 'm-big' }])).rejects.toThrow(
      /m-big is too large/,
    );
    expect(sent).toEqual([]);
  });

  it('accepts the real ServiceBusClient where a client is expected', async () => {
    const credential: TokenCredential = { getToken: async () => null };
    const client = createServiceBusClient('example.servicebus.windows.net', credential);
    // Nothing is sent: this proves the structural type fits and that creating a sender is lazy.
    const sender = createServiceBusQueueSender(client);
    await sender.close();
    await client.close();
    expect(client.fullyQualifiedNamespace).toBe('example.servicebus.windows.net');
  });
});

describe('Service Bus trigger metadata', () => {
  it('reads what the v4 Node worker passes for a session message', () => {
    const info = receivedInfoFromTrigger({
      messageId: 'sync-u1',
      deliveryCount: 2,
      sessionId: 'u1',
      enqueuedTimeUtc: '2026-11-25T08:00:01.123Z',
      applicationProperties: { reason: 'notification', attempt: 3, urgent: true, ignored: { nested: 1 } },
      userProperties: { reason: 'older copy' },
      sequenceNumber: 42,
      contentType: 'application/json',
    });
    expect(info).toEqual({
      messageId: 'sync-u1',
      deliveryCount: 2,
      sessionId: 'u1',
      enqueuedTime: new Date('2026-11-25T08:00:01.123Z'),
      applicationProperties: { reason: 'notification', attempt: 3, urgent: true },
    });
  });

  it('copes with older shapes: numeric ids, string counts, zoneless UTC times, userProperties', () => {
    const info = receivedInfoFromTrigger({
      messageId: 12345,
      deliveryCount: '1',
      enqueuedTimeUtc: '2026-11-25T08:00:01.5',
      userProperties: { kind: 'delivery' },
    });
    expect(info).toEqual({
      messageId: '12345',
      deliveryCount: 1,
      enqueuedTime: new Date('2026-11-25T08:00:01.500Z'),
      applicationProperties: { kind: 'delivery' },
    });
    expect(info).not.toHaveProperty('sessionId');
  });

  it('fails with the names of missing or malformed fields', () => {
    expect(() => receivedInfoFromTrigger(undefined)).toThrow(/Unexpected Service Bus trigger metadata/);
    expect(() =>
      receivedInfoFromTrigger({ messageId: 'm', deliveryCount: 0, enqueuedTimeUtc: 'soon' }),
    ).toThrow(/deliveryCount.*enqueuedTimeUtc: not a date-time/);
  });
});
