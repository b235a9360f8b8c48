// One hour of a tenant on the simulator's clock, the service and the polling
// baseline side by side on the same mailboxes and the same changes: one change
// per user at a random moment of the hour. The service is notified of each
// (an isolated change: a leading delta round and the bucket's follow-up) and
// runs its maintenance timer every 15 minutes as in Azure; the poller reads
// every user's window at every full minute and finds each change at the first
// poll after it. The clock jumps ahead between moments, so the hour takes
// seconds of wall time; delta rounds and polls are counted, not timed.

import { seededRandom } from '../seededRandom';
import type { BenchHost, BenchUser } from './benchHost';
import { naiveGraphClient } from './naiveGraphClient';
import { pollOnce } from './naivePoller';
import { percentile } from './percentiles';

export interface PollingHour {
  users: number;
  minutes: number;
  changes: number;
  /** The service's Graph requests in the hour, all of them (syncs, maintenance runs). */
  ours: { requests: number; deltaRounds: number; deltaPages: number; maintenanceRuns: number };
  /** The poller's requests in the same hour (answered 200 among them), and how long each change waited for it. */
  polling: { requests: number; ok: number; found: number; p50WaitMs: number };
}

const MINUTE_MS = 60_000;
const MAINTENANCE_EVERY_MINUTES = 15;

export async function measurePollingHour(
  bench: BenchHost,
  users: readonly BenchUser[],
  minutes = 60,
): Promise<PollingHour> {
  const { host } = bench;
  const clock = host.simulator.clock;
  const poller = naiveGraphClient(host.simulator);
  const settings = { windowDays: 14, pageSize: host.runtime.config.DELTA_PAGE_SIZE };
  const userIds = users.map((u) => u.id);
  const random = seededRandom(20261203);
  // When in the hour each user's change comes, in ms from the hour's start.
  const changeAt = users.map(() => Math.floor(random() * minutes * MINUTE_MS));
  const pending = new Map<string, { eventId: string; at: number }>();
  const waits: number[] = [];
  await host.settle();
  bench.graph.reset();
  const hourStart = clock.now().getTime();
  const eventHour = Math.ceil(hourStart / 3_600_000) + 48;
  let maintenanceRuns = 0;
  for (let minute = 0; minute < minutes; minute++) {
    // A change counts as found when the poll that read it began: the wait is Graph-side, not this machine's.
    const polledAt = clock.now();
    const poll = await pollOnce(poller, userIds, polledAt, settings);
    for (const [userId, change] of pending) {
      if (!poll.seen.get(userId)?.has(change.eventId)) continue;
      waits.push(polledAt.getTime() - change.at);
      pending.delete(userId);
    }
    const minuteStart = hourStart + minute * MINUTE_MS;
    const inThisMinute = users
      .map((user, i) => ({ user, i, at: hourStart + changeAt[i]! }))
      .filter((c) => c.at >= minuteStart && c.at < minuteStart + MINUTE_MS)
      .sort((a, b) => a.at - b.at);
    for (const { user, i, at } of inThisMinute) {
      clock.advance(Math.max(0, at - clock.now().getTime()));
      const start = new Date((eventHour + (i % 24)) * 3_600_000);
      const created = host.simulator.createEvent(user.id, {
        subject: 'Hourly change',
        showAs: 'oof',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: {
          dateTime: new Date(start.getTime() + 1_800_000).toISOString().replace('Z', ''),
          timeZone: 'UTC',
        },
      });
      pending.set(user.id, { eventId: created.id, at: clock.now().getTime() });
    }
    await host.simulator.flushNotifications();
    if ((minute + 1) % MAINTENANCE_EVERY_MINUTES === 0) {
      await host.runTimer('maintenance');
      maintenanceRuns++;
    }
    clock.advance(Math.max(0, minuteStart + MINUTE_MS - clock.now().getTime()));
  }
  // The poll at the hour's end finds the last minute's changes; its requests belong to the next hour.
  const lastAt = clock.now();
  const last = await pollOnce(naiveGraphClient(host.simulator), userIds, lastAt, settings);
  for (const [userId, change] of pending)
    if (last.seen.get(userId)?.has(change.eventId)) waits.push(lastAt.getTime() - change.at);
  await host.settle();
  return {
    users: users.length,
    minutes,
    changes: users.length,
    ours: {
      requests: bench.graph.total,
      deltaRounds: bench.graph.rounds,
      deltaPages: bench.graph.delta,
      maintenanceRuns,
    },
    polling: {
      requests: poller.requests,
      ok: poller.ok,
      found: waits.length,
      p50WaitMs: percentile(waits, 50),
    },
  };
}
