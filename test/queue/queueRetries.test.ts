import { silentLogger } from '../../dev/localHost/consoleLogger';
import { createInProcessQueue, type InProcessQueue } from '../../dev/localHost/inProcessQueue';
import type { OutgoingMessage, QueueName } from '../../shared/queue/queuePort';
import {
  type AttemptInfo,
  pauseAfter,
  type QueueRetryPolicy,
  retryingHandler,
} from '../../shared/queue/queueRetries';

/**
 * The retry wrapper on the in-process queue, which redelivers and
 * dead-letters as Service Bus does: what a failing handler leads to, attempt
 * by attempt.
 */
describe('queue retries', () => {
  let queue: InProcessQueue;
  afterEach(() => queue.close());

  const policy: QueueRetryPolicy = { pausesSeconds: [0.02, 0.04, 0.08], jitter: 0.2 };

  function recordSends(target: InProcessQueue): Array<{ queue: QueueName; message: OutgoingMessage }> {
    const sent: Array<{ queue: QueueName; message: OutgoingMessage }> = [];
    const send = target.send;
    target.send = async (name, messages) => {
      for (const message of messages) sent.push({ queue: name, message });
      return send.call(target, name, messages);
    };
    return sent;
  }

  /** The instants the wrapper read its clock at, one per failure: each copy's pause is measured from one. */
  let clockReads: number[] = [];
  const now = () => {
    const at = Date.now();
    clockReads.push(at);
    return new Date(at);
  };
  beforeEach(() => {
    clockReads = [];
  });

  function subscribeFailing(failures: number, attempts: AttemptInfo[], retryPolicy = policy) {
    const wrap = retryingHandler('sync', { queue, policy: retryPolicy, now, log: silentLogger });
    let calls = 0;
    queue.subscribe(
      'sync',
      (body, info) =>
        wrap(body, info, async (attempt) => {
          attempts.push(attempt);
          if (calls++ < failures)
            throw Object.assign(new Error('table busy'), { name: 'RestError', statusCode: 503 });
        }),
      { sessions: true },
    );
  }

  it('sends a copy after each failure, with growing pauses, the same session and its attempt number', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 3 });
    const sent = recordSends(queue);
    const attempts: AttemptInfo[] = [];
    // The middle of the jitter range, so the pauses are exactly the schedule's.
    subscribeFailing(2, attempts, { ...policy, random: () => 0.5 });
    await queue.send('sync', [{ body: { userId: 'u1' }, messageId: 'sync:demo:u1:1', sessionId: 'demo:u1' }]);
    await queue.idle({ includeScheduled: true });

    expect(attempts).toEqual([
      { attempt: 1, again: false },
      { attempt: 2, again: true },
      { attempt: 3, again: true },
    ]);
    const copies = sent.slice(1).map(({ message }, index) => ({
      ...message,
      pauseMs: (message.scheduledEnqueueTime?.getTime() ?? 0) - (clockReads[index] ?? 0),
    }));
    expect(copies.map((c) => [c.messageId, c.sessionId, c.applicationProperties])).toEqual([
      [
        'sync:demo:u1:1~a2',
        'demo:u1',
        { queueAttempt: 2, firstMessageId: 'sync:demo:u1:1', lastFailure: 'RestError (503)' },
      ],
      [
        'sync:demo:u1:1~a3',
        'demo:u1',
        { queueAttempt: 3, firstMessageId: 'sync:demo:u1:1', lastFailure: 'RestError (503)' },
      ],
    ]);
    expect(copies.map((c) => c.pauseMs)).toEqual([20, 40]);
    expect(queue.stats('sync')).toMatchObject({ completed: 3, deadLettered: 0 });
  });

  it('spreads each pause by the jitter, and has none after the last attempt', () => {
    expect(pauseAfter({ ...policy, random: () => 0 }, 1)).toBe(16);
    expect(pauseAfter({ ...policy, random: () => 0.999999 }, 1)).toBe(24);
    // Even at the extremes of the spread the pauses keep growing with this schedule.
    expect(pauseAfter({ ...policy, random: () => 0 }, 3)).toBeGreaterThan(
      pauseAfter({ ...policy, random: () => 0.999999 }, 2) ?? Number.POSITIVE_INFINITY,
    );
    expect(pauseAfter(policy, 4)).toBeUndefined();
  });

  it('dead-letters only after the last attempt, through the queue’s own delivery count', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 3 });
    const sent = recordSends(queue);
    const attempts: AttemptInfo[] = [];
    subscribeFailing(Number.POSITIVE_INFINITY, attempts);
    await queue.send('sync', [{ body: { userId: 'u1' }, messageId: 'm', sessionId: 's' }]);
    await queue.idle({ includeScheduled: true });

    // Attempts 1-3 fail once each and are retried as copies; attempt 4 rethrows until the queue gives up.
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 4, 4]);
    expect(sent.map((s) => s.message.messageId)).toEqual(['m', 'm~a2', 'm~a3', 'm~a4']);
    const [letter, ...others] = queue.deadLetters('sync');
    expect(others).toEqual([]);
    expect(letter?.info).toMatchObject({ messageId: 'm~a4', deliveryCount: 3, sessionId: 's' });
    expect(letter?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
  });

  it('rethrows when the copy cannot be sent, so the queue offers the original again', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 5 });
    const send = queue.send;
    let refusals = 1;
    queue.send = async (name, messages) => {
      if (messages.some((m) => m.messageId.includes('~')) && refusals-- > 0)
        throw new Error('Service Bus busy');
      return send.call(queue, name, messages);
    };
    const attempts: AttemptInfo[] = [];
    subscribeFailing(2, attempts);
    await queue.send('sync', [{ body: {}, messageId: 'm', sessionId: 's' }]);
    await queue.idle({ includeScheduled: true });

    // Attempt 1 failed and its copy was refused: the original came back (a redelivery), then the chain went on.
    expect(attempts).toEqual([
      { attempt: 1, again: false },
      { attempt: 1, again: true },
      { attempt: 2, again: true },
    ]);
    expect(queue.deadLetters('sync')).toEqual([]);
  });
});
