import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { seededRandom } from '../seededRandom';
import type { BenchHost, BenchUser } from './benchHost';
import { percentile } from './percentiles';

export interface EndToEndLatency {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  coalesceSeconds: number;
  /** Graph requests the service spent per calendar change in these rounds. */
  graphRequestsPerChange: number;
  /** Delta rounds per change: the leading round and the bucket's follow-up. */
  deltaRoundsPerChange: number;
}

const RECEIPT_TIMEOUT_MS = 60_000;

/**
 * From the moment the simulator stores a change (and sends its notification)
 * to the moment the PBX sink has verified and applied the webhook for it.
 * Each round changes one event in each of up to 20 mailboxes, one change at a
 * time, each at a random phase to the coalescing bucket after a bucket edge:
 * the mailbox's previous change is many buckets old, so every change is an
 * isolated one of an idle user. One at a time, because changes at once would
 * measure the PBX's concurrency cap (PBX_MAX_CONCURRENT_REQUESTS), not this.
 */
export async function measureEndToEndLatency(
  bench: BenchHost,
  users: readonly BenchUser[],
  rounds: number,
): Promise<EndToEndLatency> {
  const sink = bench.host.sink;
  if (!sink) throw new Error('the latency bench needs the built-in PBX sink');
  const samples: number[] = [];
  const changed = users.slice(0, 20);
  const bucketMs = Math.max(1, Math.round(bench.coalesceSeconds * 1000));
  const random = seededRandom(20261202);
  bench.graph.reset();
  for (let round = 0; round < rounds; round++) {
    const hour = Math.ceil(bench.host.runtime.now().getTime() / 3_600_000) + 24 * 10 + round;
    for (const user of changed) {
      const now = bench.host.runtime.now().getTime();
      await sleep(Math.ceil((now + 1) / bucketMs) * bucketMs - now + random() * bucketMs);
      const start = new Date(hour * 3_600_000);
      const end = new Date(start.getTime() + 3_600_000);
      const sent = performance.now();
      const created = bench.host.simulator.createEvent(user.id, {
        subject: 'Latency probe',
        showAs: 'oof',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
      const absenceId = absenceIdFor(created.id);
      await sink.waitFor((s) => s.state().has(absenceId), RECEIPT_TIMEOUT_MS);
      samples.push(performance.now() - sent);
    }
    await bench.host.settle();
  }
  return {
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p95Ms: percentile(samples, 95),
    p99Ms: percentile(samples, 99),
    coalesceSeconds: bench.coalesceSeconds,
    graphRequestsPerChange: bench.graph.total / Math.max(1, samples.length),
    deltaRoundsPerChange: bench.graph.rounds / Math.max(1, samples.length),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
