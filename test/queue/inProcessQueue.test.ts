import { createInProcessQueue, type InProcessQueue } from '../../dev/localHost/inProcessQueue';
import type { ReceivedMessageInfo } from '../../shared/queue/queuePort';

describe('in-process queue', () => {
  let queue: InProcessQueue;
  afterEach(() => queue.close());

  it('delivers a deep copy of the body with its metadata', async () => {
    queue = createInProcessQueue({ now: () => Date.parse('2026-11-25T08:00:00Z') });
    const received: Array<{ body: unknown; info: ReceivedMessageInfo }> = [];
    queue.subscribe('sync', async (body, info) => {
      received.push({ body, info });
    });
    const body = { userId: 'u1', tags: ['a'] };
    await queue.send('sync', [{ body, messageId: 'm1', applicationProperties: { kind: 'sync', n: 1 } }]);
    body.tags.push('mutated after send');
    await queue.idle();

    expect(received).toEqual([
      {
        body: { userId: 'u1', tags: ['a'] },
        info: {
          messageId: 'm1',
          deliveryCount: 1,
          enqueuedTime: new Date('2026-11-25T08:00:00Z'),
          applicationProperties: { kind: 'sync', n: 1 },
        },
      },
    ]);
  });

  it('refuses bodies that are not plain JSON, and enqueues nothing from that send', async () => {
    queue = createInProcessQueue();
    await expect(queue.send('sync', [{ body: { at: new Date() }, messageId: 'd' }])).rejects.toThrow(
      /body\.at is a Date/,
    );
    await expect(
      queue.send('sync', [
        { body: { ok: true }, messageId: 'fine' },
        { body: { n: Number.NaN }, messageId: 'nan' },
      ]),
    ).rejects.toThrow(/body\.n is NaN/);
    await expect(queue.send('sync', [{ body: () => 1, messageId: 'f' }])).rejects.toThrow(/function/);
    await expect(queue.send('sync', [{ body: 1, messageId: '' }])).rejects.toThrow(/messageId/);
    expect(queue.stats('sync').ready).toBe(0);
  });

  it('refuses a body Service Bus Standard could not carry in one message', async () => {
    queue = createInProcessQueue();
    await expect(
      queue.send('deliveries', [{ body: 'x'.repeat(260 * 1024), messageId: 'big' }]),
    ).rejects.toThrow(/too large/);
    await queue.send('deliveries', [{ body: 'x'.repeat(200 * 1024), messageId: 'fits' }]);
    expect(queue.stats('deliveries').ready).toBe(1);
  });

  it('keeps messages sent before anyone subscribes until a handler arrives', async () => {
    queue = createInProcessQueue();
    await queue.send('deliveries', [{ body: 1, messageId: 'early' }]);
    await queue.idle();
    expect(queue.stats('deliveries').ready).toBe(1);

    const seen: unknown[] = [];
    queue.subscribe('deliveries', async (body) => {
      seen.push(body);
    });
    await queue.idle();
    expect(seen).toEqual([1]);
    expect(queue.stats('deliveries')).toMatchObject({ ready: 0, completed: 1 });
  });

  it('redelivers a failing message with a growing delivery count and dead-letters it at the maximum', async () => {
    const errors: number[] = [];
    queue = createInProcessQueue({
      maxDeliveryCount: 3,
      retryDelayMs: 1,
      onHandlerError: (_queue, info) => errors.push(info.deliveryCount),
    });
    const counts: number[] = [];
    queue.subscribe('sync', async (_body, info) => {
      counts.push(info.deliveryCount);
      throw new Error(`boom ${info.deliveryCount}`);
    });
    await queue.send('sync', [{ body: { userId: 'u1' }, messageId: 'poison' }]);
    await queue.idle();

    expect(counts).toEqual([1, 2, 3]);
    expect(errors).toEqual([1, 2, 3]);
    const [letter, ...others] = queue.deadLetters('sync');
    expect(others).toHaveLength(0);
    expect(letter).toMatchObject({
      body: { userId: 'u1' },
      reason: 'boom 3',
      info: { messageId: 'poison', deliveryCount: 3 },
    });
    expect(queue.stats('sync')).toMatchObject({ deadLettered: 1, completed: 0, retrying: 0, inFlight: 0 });
  });

  it('completes a message that succeeds on a later attempt', async () => {
    queue = createInProcessQueue({ retryDelayMs: 1 });
    const counts: number[] = [];
    queue.subscribe('sync', async (_body, info) => {
      counts.push(info.deliveryCount);
      if (info.deliveryCount < 2) throw new Error('transient');
    });
    await queue.send('sync', [{ body: 'x', messageId: 'flaky' }]);
    await queue.idle();
    expect(counts).toEqual([1, 2]);
    expect(queue.deadLetters('sync')).toEqual([]);
    expect(queue.stats('sync').completed).toBe(1);
  });

  it('does not deliver a scheduled message before its time, and delivers a past one at once', async () => {
    queue = createInProcessQueue();
    const order: string[] = [];
    queue.subscribe('sync', async (body) => {
      order.push(String(body));
    });
    await queue.send('sync', [
      { body: 'later', messageId: 'later', scheduledEnqueueTime: new Date(Date.now() + 80) },
      { body: 'past', messageId: 'past', scheduledEnqueueTime: new Date(Date.now() - 1000) },
      { body: 'now', messageId: 'now' },
    ]);

    await queue.idle();
    expect(order).toEqual(['past', 'now']);
    expect(queue.stats('sync').scheduled).toBe(1);

    await queue.idle({ includeScheduled: true });
    expect(order).toEqual(['past', 'now', 'later']);
    expect(queue.stats('sync').scheduled).toBe(0);
  });

  it('delivers a scheduled message at once when its clock is moved past its time', async () => {
    let offset = 0;
    const scheduleNow = () => Date.now() + offset;
    queue = createInProcessQueue({ scheduleNow });
    const received: string[] = [];
    queue.subscribe('sync', async (_body, info) => void received.push(info.messageId));
    await queue.send('sync', [
      { body: {}, messageId: 'in-an-hour', scheduledEnqueueTime: new Date(scheduleNow() + 3_600_000) },
    ]);
    offset += 3_600_000;
    queue.clockMoved();
    await queue.idle({ includeScheduled: true, scheduledHorizonMs: 0 });
    expect(received).toEqual(['in-an-hour']);
    expect(queue.scheduledMessages('sync')).toEqual([]);
  });

  it('does not wait for messages scheduled beyond the idle horizon', async () => {
    queue = createInProcessQueue();
    queue.subscribe('sync', async () => {});
    await queue.send('sync', [
      { body: 1, messageId: 'tomorrow', scheduledEnqueueTime: new Date(Date.now() + 86_400_000) },
    ]);
    await queue.idle({ includeScheduled: true, scheduledHorizonMs: 1000 });
    expect(queue.stats('sync')).toMatchObject({ scheduled: 1, completed: 0 });
  });

  it('drops a message id sent again within the duplicate window, also for scheduled ones, and accepts it after', async () => {
    let clock = Date.parse('2026-11-25T08:00:00Z');
    queue = createInProcessQueue({ duplicateWindowMs: 60_000, now: () => clock });
    const seen: unknown[] = [];
    queue.subscribe('sync', async (body) => {
      seen.push(body);
    });

    await queue.send('sync', [
      { body: 'first', messageId: 'user-1' },
      { body: 'same send, same id', messageId: 'user-1' },
    ]);
    clock += 59_000;
    await queue.send('sync', [
      { body: 'within window', messageId: 'user-1', scheduledEnqueueTime: new Date(Date.now() + 10) },
    ]);
    await queue.idle({ includeScheduled: true });
    expect(seen).toEqual(['first']);
    expect(queue.stats('sync').duplicatesDropped).toBe(2);

    clock += 2_000;
    await queue.send('sync', [{ body: 'after window', messageId: 'user-1' }]);
    await queue.idle();
    expect(seen).toEqual(['first', 'after window']);
  });

  it('handles one message per session at a time, in order, and sessions in parallel', async () => {
    queue = createInProcessQueue();
    const active = new Map<string, number>();
    let overlapWithinSession = 0;
    let running = 0;
    let maxRunning = 0;
    const order = new Map<string, number[]>();

    queue.subscribe(
      'sync',
      async (body, info) => {
        const session = info.sessionId ?? '';
        const { n } = body as { n: number };
        active.set(session, (active.get(session) ?? 0) + 1);
        if ((active.get(session) ?? 0) > 1) overlapWithinSession++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        // Hold each handler until the next turn of the event loop so overlaps would show.
        await new Promise<void>((resolve) => setImmediate(resolve));
        order.set(session, [...(order.get(session) ?? []), n]);
        running--;
        active.set(session, (active.get(session) ?? 0) - 1);
      },
      { sessions: true, maxConcurrency: 4 },
    );

    const messages = [];
    for (let n = 1; n <= 5; n++) {
      for (const session of ['alice', 'bob', 'carol']) {
        messages.push({ body: { n }, messageId: `${session}-${n}`, sessionId: session });
      }
    }
    await queue.send('sync', messages);
    await queue.idle();

    expect(overlapWithinSession).toBe(0);
    expect(maxRunning).toBe(3);
    expect(order.get('alice')).toEqual([1, 2, 3, 4, 5]);
    expect(order.get('bob')).toEqual([1, 2, 3, 4, 5]);
    expect(order.get('carol')).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps session order when a message of the session is retried', async () => {
    queue = createInProcessQueue({ retryDelayMs: 5 });
    const attempts: string[] = [];
    queue.subscribe(
      'sync',
      async (body, info) => {
        attempts.push(`${String(body)}#${info.deliveryCount}`);
        if (body === 'a1' && info.deliveryCount === 1) throw new Error('retry me');
      },
      { sessions: true },
    );
    await queue.send('sync', [
      { body: 'a1', messageId: 'a1', sessionId: 'a' },
      { body: 'a2', messageId: 'a2', sessionId: 'a' },
    ]);
    await queue.idle();
    expect(attempts).toEqual(['a1#1', 'a1#2', 'a2#1']);
  });

  it('dead-letters a message without sessionId on a session-enabled subscription', async () => {
    queue = createInProcessQueue();
    queue.subscribe('sync', async () => {}, { sessions: true });
    await queue.send('sync', [{ body: 1, messageId: 'no-session' }]);
    await queue.idle();
    expect(queue.deadLetters('sync')).toMatchObject([{ reason: expect.stringMatching(/sessionId/) }]);
  });

  it('limits parallel handlers to maxConcurrency without sessions', async () => {
    queue = createInProcessQueue();
    let running = 0;
    let maxRunning = 0;
    queue.subscribe(
      'deliveries',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => setImmediate(resolve));
        running--;
      },
      { maxConcurrency: 2 },
    );
    await queue.send(
      'deliveries',
      Array.from({ length: 6 }, (_, i) => ({ body: i, messageId: `d${i}` })),
    );
    await queue.idle();
    expect(maxRunning).toBe(2);
    expect(queue.stats('deliveries').completed).toBe(6);
  });

  it('idle() waits for work that handlers enqueue', async () => {
    queue = createInProcessQueue();
    const delivered: unknown[] = [];
    queue.subscribe('sync', async (body) => {
      await queue.send('deliveries', [{ body, messageId: `delivery-${String(body)}` }]);
    });
    queue.subscribe('deliveries', async (body) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      delivered.push(body);
    });
    await queue.send('sync', [
      { body: 'x', messageId: 'x' },
      { body: 'y', messageId: 'y' },
    ]);
    await queue.idle();
    expect(delivered.sort()).toEqual(['x', 'y']);
  });

  it('refuses a second subscriber and sends after close', async () => {
    queue = createInProcessQueue();
    const unsubscribe = queue.subscribe('sync', async () => {});
    expect(() => queue.subscribe('sync', async () => {})).toThrow(/already has a subscriber/);
    unsubscribe();
    expect(() => queue.subscribe('sync', async () => {})).not.toThrow();
    queue.close();
    await expect(queue.send('sync', [{ body: 1, messageId: 'late' }])).rejects.toThrow(/closed/);
  });
});
