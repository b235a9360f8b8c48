import { silentLogger } from '../../dev/localHost/consoleLogger';
import type { OutgoingMessage, QueueName, QueueSender } from '../../shared/queue/queuePort';
import {
  type DeadLetterClientLike,
  type DeadLetterMessageLike,
  type DeadLetterReceiverLike,
  serviceBusDeadLetters,
} from '../../shared/queue/serviceBusDeadLetters';

/**
 * Shaped like the SDK's ServiceBusReceiver on a dead-letter sub-queue (Service
 * Bus cannot run here): peek reads without locking; receive locks, hands out
 * each message once until it is abandoned (then it comes round again) or
 * completed (then it is gone).
 */
function fakeDeadLetterQueue(messages: DeadLetterMessageLike[]) {
  const stored = [...messages];
  const locked = new Set<DeadLetterMessageLike>();
  const calls: string[] = [];
  const receivers: Array<{ queue: string; options: unknown; closed: boolean }> = [];
  const client: DeadLetterClientLike = {
    createReceiver(queue, options) {
      const opened = { queue, options, closed: false };
      receivers.push(opened);
      const receiver: DeadLetterReceiverLike = {
        async peekMessages(max) {
          calls.push(`peek ${max}`);
          return stored.slice(0, max);
        },
        async receiveMessages(max) {
          const free = stored.filter((m) => !locked.has(m)).slice(0, max);
          for (const m of free) locked.add(m);
          calls.push(`receive ${free.length}`);
          return free;
        },
        async completeMessage(message) {
          calls.push(`complete ${String(message.messageId)}`);
          locked.delete(message);
          stored.splice(stored.indexOf(message), 1);
        },
        async abandonMessage(message) {
          calls.push(`abandon ${String(message.messageId)}`);
          locked.delete(message);
        },
        async close() {
          opened.closed = true;
        },
      };
      return receiver;
    },
  };
  return { client, stored, calls, receivers };
}

function recordingSender(fail = false) {
  const sent: Array<{ queue: QueueName; message: OutgoingMessage }> = [];
  const sender: QueueSender = {
    async send(queue, messages) {
      if (fail) throw new Error('Service Bus busy');
      for (const message of messages) sent.push({ queue, message });
    },
  };
  return { sender, sent };
}

const syncLetter = (id: string, at: string): DeadLetterMessageLike => ({
  messageId: id,
  body: { integrationId: 'acme', userId: 'u1', cause: 'notification', requestedAt: at },
  sessionId: 'acme:u1',
  applicationProperties: {
    cause: 'notification',
    queueAttempt: 6,
    firstMessageId: 'sync:acme:u1:1',
    lastFailure: 'RestError (503)',
  },
  deadLetterReason: 'MaxDeliveryCountExceeded',
  deadLetterErrorDescription: "Message couldn't be consumed after maximum delivery attempts.",
  enqueuedTimeUtc: new Date(at),
});

describe('Service Bus dead letters', () => {
  const now = () => new Date('2026-12-01T23:00:00Z');

  it('lists by peeking the dead-letter sub-queue: ids, reason and times, newest first, never the body', async () => {
    const delivery: DeadLetterMessageLike = {
      messageId: 'wh-1:attempt:1~a6',
      body: {
        webhookId: 'wh-1',
        integrationId: 'acme',
        event: { type: 'absence.upserted', data: { user: { id: 'u2' }, absence: { subject: 'Secret' } } },
      },
      applicationProperties: { queueAttempt: 6 },
      deadLetterReason: 'MaxDeliveryCountExceeded',
      enqueuedTimeUtc: new Date('2026-12-01T22:00:00Z'),
    };
    const dlq = fakeDeadLetterQueue([syncLetter('old', '2026-12-01T20:00:00Z'), delivery]);
    const letters = serviceBusDeadLetters(dlq.client, recordingSender().sender, { now });

    const listing = await letters.list('sync', 10, silentLogger);

    expect(dlq.receivers).toEqual([
      { queue: 'sync', options: { subQueueType: 'deadLetter', receiveMode: 'peekLock' }, closed: true },
    ]);
    expect(dlq.calls).toEqual(['peek 10']);
    expect(listing).toEqual({
      available: true,
      letters: [
        {
          queue: 'sync',
          messageId: 'wh-1:attempt:1~a6',
          reason: 'MaxDeliveryCountExceeded',
          deadLetteredAt: '2026-12-01T22:00:00.000Z',
          attempts: 6,
          integrationId: 'acme',
          userId: 'u2',
        },
        {
          queue: 'sync',
          messageId: 'old',
          reason: 'MaxDeliveryCountExceeded',
          description: "Message couldn't be consumed after maximum delivery attempts.",
          deadLetteredAt: '2026-12-01T20:00:00.000Z',
          attempts: 6,
          lastFailure: 'RestError (503)',
          integrationId: 'acme',
          userId: 'u1',
        },
      ],
    });
    expect(JSON.stringify(listing)).not.toContain('Secret');
  });

  it('says the dead letters cannot be read when Service Bus fails, and logs a warning', async () => {
    const warnings: string[] = [];
    const client: DeadLetterClientLike = {
      createReceiver: () => ({
        peekMessages: async () => {
          throw Object.assign(new Error('amqp:unauthorized-access sb://contoso.servicebus.windows.net'), {
            name: 'ServiceBusError',
            code: 'UnauthorizedAccess',
          });
        },
        receiveMessages: async () => [],
        completeMessage: async () => undefined,
        abandonMessage: async () => undefined,
        close: async () => undefined,
      }),
    };
    const letters = serviceBusDeadLetters(client, recordingSender().sender, { now });
    const listing = await letters.list('deliveries', 10, {
      ...silentLogger,
      warn: (message) => warnings.push(message),
    });
    expect(listing).toEqual({ available: false, reason: 'Service Bus did not answer' });
    expect(warnings).toEqual(['dead letters could not be read']);
  });

  it('gives up on a listing Service Bus does not answer in time', async () => {
    let closed = false;
    const client: DeadLetterClientLike = {
      createReceiver: () => ({
        peekMessages: () => new Promise<DeadLetterMessageLike[]>(() => undefined),
        receiveMessages: async () => [],
        completeMessage: async () => undefined,
        abandonMessage: async () => undefined,
        close: async () => {
          closed = true;
        },
      }),
    };
    const letters = serviceBusDeadLetters(client, recordingSender().sender, { now, listTimeoutMs: 20 });
    expect(await letters.list('sync', 10, silentLogger)).toEqual({
      available: false,
      reason: 'Service Bus did not answer in time',
    });
    expect(closed).toBe(true);
  });

  it('resubmits the asked-for dead letters as fresh first attempts, completes them, and lets the others go', async () => {
    const dlq = fakeDeadLetterQueue([
      syncLetter('a', '2026-12-01T20:00:00Z'),
      syncLetter('b', '2026-12-01T21:00:00Z'),
      syncLetter('c', '2026-12-01T22:00:00Z'),
    ]);
    const { sender, sent } = recordingSender();
    const letters = serviceBusDeadLetters(dlq.client, sender, { now, receiveWaitMs: 10 });

    const result = await letters.resubmit('sync', ['b', 'gone'], 100);

    expect(result).toEqual({ resubmitted: ['b'], notFound: ['gone'] });
    expect(sent).toEqual([
      {
        queue: 'sync',
        message: {
          body: syncLetter('b', '2026-12-01T21:00:00Z').body,
          // A new chain: its own id (the old ids may sit in the duplicate window), attempt properties dropped.
          messageId: `sync:acme:u1:1~r${now().getTime().toString(36)}`,
          sessionId: 'acme:u1',
          applicationProperties: { cause: 'notification' },
        },
      },
    ]);
    expect(dlq.stored.map((m) => m.messageId)).toEqual(['a', 'c']);
    // The copy went out before the dead letter was completed; the others were given back at once.
    expect(dlq.calls).toEqual([
      'receive 3',
      'abandon a',
      'complete b',
      'abandon c',
      'receive 2',
      'abandon a',
      'abandon c',
    ]);
    expect(dlq.receivers.every((r) => r.closed)).toBe(true);
  });

  it('resubmits every dead letter when no ids are given, up to the maximum', async () => {
    const dlq = fakeDeadLetterQueue([
      syncLetter('a', '2026-12-01T20:00:00Z'),
      syncLetter('b', '2026-12-01T21:00:00Z'),
    ]);
    const { sender, sent } = recordingSender();
    const letters = serviceBusDeadLetters(dlq.client, sender, { now, receiveWaitMs: 10 });

    expect(await letters.resubmit('sync', undefined, 1)).toEqual({ resubmitted: ['a'], notFound: [] });
    expect(sent).toHaveLength(1);
    expect(dlq.stored.map((m) => m.messageId)).toEqual(['b']);
  });

  it('keeps the dead letter when its copy cannot be sent', async () => {
    const dlq = fakeDeadLetterQueue([syncLetter('a', '2026-12-01T20:00:00Z')]);
    const letters = serviceBusDeadLetters(dlq.client, recordingSender(true).sender, {
      now,
      receiveWaitMs: 10,
    });

    await expect(letters.resubmit('sync', ['a'], 100)).rejects.toThrow('Service Bus busy');
    expect(dlq.stored.map((m) => m.messageId)).toEqual(['a']);
    expect(dlq.calls).not.toContain('complete a');
    expect(dlq.receivers.every((r) => r.closed)).toBe(true);
  });
});
