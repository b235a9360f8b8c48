// Users synced per second by one instance under Service Bus session
// semantics: every user is a session with one message, and a slot holds its
// session for the idle timeout after the message. Run with the settings
// host.json had (8 sessions, 5 s idle) and with today's host.json, on the
// in-process queue's session slots, with a handler that takes as long as a
// real sync measured on the bench's host. The clock is scaled (handler and
// idle timeout alike) so the row takes seconds, not minutes.

import { handleSyncRequest } from '../../shared/sync/userSync';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../localHost/demoTenant';
import type { ServiceBusHostSettings } from '../localHost/hostSettings';
import { createInProcessQueue } from '../localHost/inProcessQueue';
import { addMailboxes, type BenchHost, provision } from './benchHost';
import { percentile } from './percentiles';

/** The settings before issue 15: the extension's 8 sessions, each held 5 s after its message. */
export const EARLIER_SESSIONS = { maxConcurrentSessions: 8, sessionIdleTimeoutMs: 5000 };

export interface SessionFigure {
  slots: number;
  idleMs: number;
  /** Measured on the session slots, in model (unscaled) time. */
  usersPerSecond: number;
  /** slots / (t + idle). */
  bound: number;
}

export interface SessionThroughput {
  /** Median time of one real sync (a catch-up of a user with E events) on the bench's host. */
  syncMs: number;
  samples: number;
  earlier: SessionFigure;
  current: SessionFigure;
}

/** The median real sync of `samples` users, one at a time: the catch-up every user gets each CATCH_UP_MINUTES. */
export async function measureSyncTime(bench: BenchHost, samples: number, events: number): Promise<number> {
  const users = addMailboxes(bench.host, 's', samples, events);
  await provision(bench.host, users);
  await bench.host.settle();
  const times: number[] = [];
  for (const user of users) {
    const started = performance.now();
    await handleSyncRequest(
      {
        integrationId: DEMO_INTEGRATION_ID,
        userId: user.id,
        cause: 'catchUp',
        requestedAt: bench.host.runtime.now().toISOString(),
      },
      bench.host.runtime.sync(silentLogger),
    );
    times.push(performance.now() - started);
  }
  await bench.host.settle();
  return percentile(times, 50);
}

/**
 * Steady-state users per second of `slots` slots: `rounds` × slots users, one
 * message each, all waiting at once; the first round is left out (it starts
 * with every slot free), the rest is completions over the time they took.
 */
export async function sessionUsersPerSecond(
  slots: number,
  idleMs: number,
  syncMs: number,
  options: { rounds: number; timeScale: number },
): Promise<number> {
  const scale = options.timeScale;
  const queue = createInProcessQueue();
  const done: number[] = [];
  try {
    queue.subscribe(
      'sync',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, syncMs / scale));
        done.push(performance.now());
      },
      {
        sessions: true,
        maxConcurrency: slots,
        sessionIdleTimeoutMs: idleMs / scale,
        // The row is about idle slots, not lost locks.
        maxAutoLockRenewalMs: 3_600_000,
      },
    );
    const users = slots * Math.max(2, options.rounds);
    await queue.send(
      'sync',
      Array.from({ length: users }, (_, i) => ({
        body: { user: i },
        messageId: `user-${i}`,
        sessionId: `user-${i}`,
      })),
    );
    await queue.idle();
    done.sort((a, b) => a - b);
    const spanMs = ((done[users - 1] ?? 0) - (done[slots - 1] ?? 0)) * scale;
    return spanMs > 0 ? ((users - slots) * 1000) / spanMs : 0;
  } finally {
    queue.close();
  }
}

export async function measureSessionThroughput(
  bench: BenchHost,
  current: ServiceBusHostSettings,
  options: { samples: number; events: number; rounds: number; timeScale: number },
): Promise<SessionThroughput> {
  const syncMs = await measureSyncTime(bench, options.samples, options.events);
  const figure = async (slots: number, idleMs: number): Promise<SessionFigure> => ({
    slots,
    idleMs,
    usersPerSecond: await sessionUsersPerSecond(slots, idleMs, syncMs, options),
    bound: (slots * 1000) / (syncMs + idleMs),
  });
  return {
    syncMs,
    samples: options.samples,
    earlier: await figure(EARLIER_SESSIONS.maxConcurrentSessions, EARLIER_SESSIONS.sessionIdleTimeoutMs),
    current: await figure(current.maxConcurrentSessions, current.sessionIdleTimeoutMs),
  };
}
