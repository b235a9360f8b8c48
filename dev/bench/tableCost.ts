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
  const perChange = await movedEvent(bench, first.mailboxes[0]!);
  return {
    perChange: perChange.length,
    perChangeBreakdown: perChange,
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

async function movedEvent(bench: BenchHost, user: BenchUser): Promise<string[]> {
  const hour = Math.ceil(bench.host.runtime.now().getTime() / 3_600_000) + 24 * 12;
  const at = (h: number) => ({
    dateTime: new Date(h * 3_600_000).toISOString().replace('Z', ''),
    timeZone: 'UTC',
  });
  const created = bench.host.simulator.createEvent(user.id, {
    subject: 'Table probe',
    showAs: 'oof',
    start: at(hour),
    end: at(hour + 1),
  });
  await bench.host.simulator.flushNotifications();
  await bench.host.settle();
  // An isolated change: the first change's coalescing buckets are over (the next
  // change is read at once), and the PBX slot its delivery kept for a next call is freed.
  const bucketMs = bench.host.runtime.config.SYNC_COALESCE_SECONDS * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(LOG_SETTLE_MS, 2 * bucketMs + 500)));
  bench.tables.reset();
  bench.host.simulator.updateEvent(user.id, created.id, { start: at(hour + 2), end: at(hour + 3) });
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
}
