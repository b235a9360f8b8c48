// Table Storage requests per unit of work, counted at the proxy in front of
// Azurite: one moved event (notification to verified webhook) and one user's
// first sync. `npm run bench -- --only tables` runs these rows alone.
import type { BenchHost, BenchUser } from './benchHost';
import { measureTenantFirstSync } from './firstSync';

export interface TableCost {
  /** Requests for one moved event of a user already synced, its delivered row included. */
  perChange: number;
  /** Which tables those went to, `$batch` for an entity-group transaction. */
  perChangeBreakdown: string[];
  /** The same event moved again, now to be the user's next absence: a `user.status` goes beside it. */
  perStatusChange: number;
  perStatusChangeBreakdown: string[];
  users: number;
  eventsPerUser: number;
  /** Requests per user of a first sync (provisioning, sync, deliveries, the log). */
  perUserFirstSync: number;
}

/** The batched delivery log writes within 1 s (shared/runtime.ts); a little more to be sure. */
const LOG_SETTLE_MS = 1500;

export async function measureTableCost(bench: BenchHost, users: number, events: number): Promise<TableCost> {
  const first = await measureTenantFirstSync(bench, users, events);
  const firstSyncRequests = await countingLogWrites(bench, first.tableRequests);
  const { requests: perChange, move } = await movedEvent(bench, first.mailboxes[0]!);
  const perStatusChange = await move('soonest');
  return {
    perChange: perChange.length,
    perChangeBreakdown: perChange,
    perStatusChange: perStatusChange.length,
    perStatusChangeBreakdown: perStatusChange,
    users,
    eventsPerUser: events,
    perUserFirstSync: firstSyncRequests / users,
  };
}

/** What the first sync sent, plus the delivered rows the instance wrote after it. */
async function countingLogWrites(bench: BenchHost, counted: number): Promise<number> {
  const before = bench.tables.count();
  await new Promise((resolve) => setTimeout(resolve, LOG_SETTLE_MS));
  return counted + bench.tables.count() - before;
}

async function movedEvent(
  bench: BenchHost,
  user: BenchUser,
): Promise<{ requests: string[]; move: (to: 'soonest') => Promise<string[]> }> {
  const hour = Math.ceil(bench.host.runtime.now().getTime() / 3_600_000) + 24 * 12;
  const at = (ms: number) => ({
    dateTime: new Date(ms).toISOString().replace('Z', ''),
    timeZone: 'UTC',
  });
  const created = bench.host.simulator.createEvent(user.id, {
    subject: 'Table probe',
    showAs: 'oof',
    start: at(hour * 3_600_000),
    end: at((hour + 1) * 3_600_000),
  });
  await bench.host.simulator.flushNotifications();
  await bench.host.settle();
  const counted = async (startMs: number, endMs: number): Promise<string[]> => {
    // An isolated change: the last change's coalescing buckets are over (the next
    // change is read at once), and the PBX slot its delivery kept for a next call is freed.
    const bucketMs = bench.host.runtime.config.SYNC_COALESCE_SECONDS * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(LOG_SETTLE_MS, 2 * bucketMs + 500)));
    bench.tables.reset();
    bench.host.simulator.updateEvent(user.id, created.id, { start: at(startMs), end: at(endMs) });
    await bench.host.simulator.flushNotifications();
    await bench.host.settle();
    await new Promise((resolve) => setTimeout(resolve, LOG_SETTLE_MS));
    return bench.tables
      .requests()
      .map((request) =>
        request
          .replace(
            /^(\w+) \/[^/]+\/[a-z0-9]+?(Users|Absences|Deliveries|Integrations|Subscriptions).*$/,
            '$1 $2',
          )
          .replace(/^POST \/[^/]+\/\$batch$/, 'POST $batch'),
      );
  };
  // Twelve days out the move changes neither the user's current nor next state: no status.
  const requests = await counted((hour + 2) * 3_600_000, (hour + 3) * 3_600_000);
  // Before the mailbox's first event (an hour from its creation): the next state changes.
  const soonest = () => {
    const now = bench.host.runtime.now().getTime();
    return counted(now + 15 * 60_000, now + 25 * 60_000);
  };
  return { requests, move: soonest };
}
