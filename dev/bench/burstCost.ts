// Graph requests of a burst of K changes to one user's calendar, from the
// notifications to the last webhook, with the burst placed inside one
// coalescing bucket on purpose: leading-edge coalescing reads the first
// notification at once and folds the rest into the bucket's follow-up, so the
// bound is two delta rounds (`shared/sync/syncRequest.ts`). The naive client
// runs beside it on the same notifications and GETs each event they name.

import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { DEMO_USERS } from '../localHost/demoTenant';
import { startBenchHost } from './benchHost';
import { startNaiveNotifiedReader } from './naiveNotifiedReader';

export interface BurstCost {
  changes: number;
  coalesceSeconds: number;
  /** Whether every notification was taken in by the service inside the one bucket the burst began in. */
  insideOneBucket: boolean;
  graphRequests: number;
  deltaPages: number;
  deltaRounds: number;
  /** Leading round and follow-up: ⌈K / page size⌉ + 1 pages at most, whatever the split between them. */
  pagesBound: number;
  pageSize: number;
  notifications: number;
  /** GETs the naive client sent for the same notifications (and of them answered 200). */
  naive: { requests: number; ok: number };
  /** From the first change to the PBX sink having verified every one of them. */
  lastWebhookMs: number;
}

const RECEIPT_TIMEOUT_MS = 60_000;

export async function measureBurstCost(
  changes: number,
  tablesConnectionString: string,
  coalesceSeconds: number,
): Promise<BurstCost> {
  const bench = await startBenchHost(tablesConnectionString, coalesceSeconds);
  const { host } = bench;
  const sink = host.sink;
  if (!sink) throw new Error('the burst bench needs the built-in PBX sink');
  const alice = DEMO_USERS[0];
  const naive = await startNaiveNotifiedReader(host.simulator, [alice.id]);
  try {
    const bucketMs = Math.max(1, Math.round(coalesceSeconds * 1000));
    // A whole bucket without notifications first, so the burst's first one finds the user idle; then 5 % into the next.
    const now = host.runtime.now().getTime();
    const bucketStart = (Math.floor(now / bucketMs) + 2) * bucketMs;
    await sleep(bucketStart + bucketMs * 0.05 - now);
    bench.graph.reset();
    naive.reset();
    const base = Math.ceil(host.runtime.now().getTime() / 3_600_000) * 3_600_000;
    const absenceIds: string[] = [];
    const started = performance.now();
    for (let i = 0; i < changes; i++) {
      const start = new Date(base + (i + 1) * 3_600_000);
      const end = new Date(start.getTime() + 1_800_000);
      const created = host.simulator.createEvent(alice.id, {
        subject: `Burst ${i}`,
        showAs: 'oof',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
      absenceIds.push(absenceIdFor(created.id));
    }
    // Every notification POST answered means every one was taken in (202 comes once its sync is queued).
    await host.simulator.flushNotifications();
    const insideOneBucket = host.runtime.now().getTime() < bucketStart + bucketMs;
    await sink.waitFor((s) => absenceIds.every((id) => s.state().has(id)), RECEIPT_TIMEOUT_MS);
    const lastWebhookMs = performance.now() - started;
    await host.settle();
    await naive.idle();
    return {
      changes,
      coalesceSeconds,
      insideOneBucket,
      graphRequests: bench.graph.total,
      deltaPages: bench.graph.delta,
      deltaRounds: bench.graph.rounds,
      pagesBound: Math.ceil(changes / host.runtime.config.DELTA_PAGE_SIZE) + 1,
      pageSize: host.runtime.config.DELTA_PAGE_SIZE,
      notifications: naive.notifications,
      naive: { requests: naive.client.requests, ok: naive.client.ok },
      lastWebhookMs,
    };
  } finally {
    await naive.stop();
    await bench.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
