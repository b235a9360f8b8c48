import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import type { BenchHost, BenchUser } from './benchHost';
import { percentile } from './percentiles';

export interface EndToEndLatency {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  coalesceSeconds: number;
  /** Graph requests the service spent per calendar change in these rounds. */
  graphRequestsPerChange: number;
}

const RECEIPT_TIMEOUT_MS = 60_000;

/**
 * From the moment the simulator stores a change (and sends its notification)
 * to the moment the PBX sink has verified and applied the webhook for it.
 * Each round changes one event in each of up to 20 mailboxes at once.
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
  bench.graph.reset();
  for (let round = 0; round < rounds; round++) {
    const hour = Math.ceil(bench.host.runtime.now().getTime() / 3_600_000) + 24 * 10 + round;
    await Promise.all(
      changed.map(async (user) => {
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
      }),
    );
    await bench.host.settle();
  }
  return {
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p95Ms: percentile(samples, 95),
    coalesceSeconds: bench.coalesceSeconds,
    graphRequestsPerChange: bench.graph.total / Math.max(1, samples.length),
  };
}
