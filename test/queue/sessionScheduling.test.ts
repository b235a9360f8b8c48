// How the in-process queue hands sessions to its slots, as the Functions
// Service Bus extension does with maxConcurrentSessions, sessionIdleTimeout
// and maxAutoLockRenewalDuration: the behaviour host.json's values are chosen for.

import { createInProcessQueue, type InProcessQueue } from '../../dev/localHost/inProcessQueue';
import type { ReceivedMessageInfo } from '../../shared/queue/queuePort';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Run {
  session: string;
  body: string;
  deliveryCount: number;
  start: number;
  end?: number;
}

/** A session-enabled subscriber whose handler takes `handlerMs(body, info)` and records every run. */
function recordRuns(
  queue: InProcessQueue,
  options: { slots: number; idleMs: number; renewalMs?: number },
  handlerMs: (body: string, info: ReceivedMessageInfo) => number,
): Run[] {
  const runs: Run[] = [];
  const origin = performance.now();
  queue.subscribe(
    'sync',
    async (body, info) => {
      const run: Run = {
        session: info.sessionId ?? '',
        body: String(body),
        deliveryCount: info.deliveryCount,
        start: performance.now() - origin,
      };
      runs.push(run);
      await sleep(handlerMs(String(body), info));
      run.end = performance.now() - origin;
    },
    {
      sessions: true,
      maxConcurrency: options.slots,
      sessionIdleTimeoutMs: options.idleMs,
      ...(options.renewalMs ? { maxAutoLockRenewalMs: options.renewalMs } : {}),
    },
  );
  return runs;
}

function message(session: string, n: number) {
  return { body: `${session}${n}`, messageId: `${session}-${n}`, sessionId: session };
}

function runOf(runs: readonly Run[], body: string, deliveryCount = 1): Run {
  const run = runs.find((r) => r.body === body && r.deliveryCount === deliveryCount);
  if (!run) throw new Error(`${body} (delivery ${deliveryCount}) never ran`);
  return run;
}

describe('in-process queue: session slots', () => {
  let queue: InProcessQueue;
  afterEach(() => queue.close());

  it('holds a slot on its session for the idle timeout after the last message, then takes the next session', async () => {
    queue = createInProcessQueue();
    const idleMs = 300;
    const runs = recordRuns(queue, { slots: 1, idleMs }, () => 10);
    await queue.send('sync', [message('a', 1), message('b', 1)]);
    // A second message of the held session within the idle window goes to the same slot, before b.
    await sleep(100);
    await queue.send('sync', [message('a', 2)]);
    await queue.idle();

    expect(runs.map((r) => r.body)).toEqual(['a1', 'a2', 'b1']);
    const a2 = runOf(runs, 'a2');
    const b1 = runOf(runs, 'b1');
    expect(a2.start).toBeLessThan(runOf(runs, 'a1').start + idleMs);
    // The slot sat on session a for the whole idle timeout before it accepted b.
    expect(b1.start - (a2.end ?? 0)).toBeGreaterThanOrEqual(idleMs - 15);
  });

  it('keeps a waiting session out while every slot holds one, however idle', async () => {
    queue = createInProcessQueue();
    const idleMs = 400;
    const runs = recordRuns(queue, { slots: 2, idleMs }, () => 5);
    await queue.send('sync', [message('a', 1), message('b', 1), message('c', 1)]);
    await sleep(idleMs / 2);
    // a and b are done long since, but their slots still hold them.
    expect(runs.map((r) => r.body).sort()).toEqual(['a1', 'b1']);
    expect(queue.stats('sync')).toMatchObject({ ready: 1, inFlight: 0 });
    await queue.idle();
    const c1 = runOf(runs, 'c1');
    const firstDone = Math.min(runOf(runs, 'a1').end ?? 0, runOf(runs, 'b1').end ?? 0);
    expect(c1.start - firstDone).toBeGreaterThanOrEqual(idleMs - 15);
  });

  it('handles a session one message at a time in order, also when it moves to another slot', async () => {
    queue = createInProcessQueue();
    // A short idle timeout releases sessions between bursts, so later messages land on whichever slot is free.
    const runs = recordRuns(queue, { slots: 2, idleMs: 20 }, (body) => 5 + ((body.charCodeAt(1) * 7) % 13));
    for (let burst = 0; burst < 3; burst++) {
      const messages = [];
      for (let n = burst * 4 + 1; n <= burst * 4 + 4; n++) {
        for (const session of ['a', 'b', 'c']) messages.push(message(session, n));
      }
      await queue.send('sync', messages);
      await sleep(60);
    }
    await queue.idle();

    for (const session of ['a', 'b', 'c']) {
      const own = runs.filter((r) => r.session === session);
      expect(own.map((r) => r.body)).toEqual(Array.from({ length: 12 }, (_, i) => `${session}${i + 1}`));
      for (const [index, run] of own.entries()) {
        if (index > 0)
          expect(run.start).toBeGreaterThanOrEqual(own[index - 1]?.end ?? Number.POSITIVE_INFINITY);
      }
    }
    expect(queue.stats('sync')).toMatchObject({ completed: 36, deadLettered: 0 });
  });

  it('loses the lock of a handler that runs past the renewal limit: the message runs again beside it', async () => {
    queue = createInProcessQueue();
    const renewalMs = 80;
    const runs = recordRuns(queue, { slots: 2, idleMs: 50, renewalMs }, (_body, info) =>
      info.deliveryCount === 1 ? 250 : 10,
    );
    await queue.send('sync', [message('a', 1)]);
    await queue.idle();

    const first = runOf(runs, 'a1', 1);
    const second = runOf(runs, 'a1', 2);
    // Offered again once the renewal limit passed, while the first handler of the same session still ran.
    expect(second.start - first.start).toBeGreaterThanOrEqual(renewalMs - 15);
    expect(second.start).toBeLessThan(first.end ?? 0);
    // The late handler could not settle: one completion, from the second delivery.
    expect(queue.stats('sync')).toMatchObject({ completed: 1, deadLettered: 0, inFlight: 0 });
  });

  it('keeps one handler per session when the renewal outlasts the handler', async () => {
    queue = createInProcessQueue();
    const runs = recordRuns(queue, { slots: 2, idleMs: 50, renewalMs: 1000 }, () => 250);
    await queue.send('sync', [message('a', 1)]);
    await queue.idle();
    expect(runs.map((r) => `${r.body}#${r.deliveryCount}`)).toEqual(['a1#1']);
    expect(queue.stats('sync')).toMatchObject({ completed: 1 });
  });

  it('dead-letters a message whose lock keeps running out once its deliveries are spent', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 2 });
    recordRuns(queue, { slots: 2, idleMs: 50, renewalMs: 30 }, () => 100);
    await queue.send('sync', [message('a', 1)]);
    await queue.idle();
    expect(queue.deadLetters('sync')).toMatchObject([
      { info: { messageId: 'a-1', deliveryCount: 2 }, reason: expect.stringMatching(/lock lost/) },
    ]);
    expect(queue.stats('sync')).toMatchObject({ completed: 0, ready: 0 });
  });
});
