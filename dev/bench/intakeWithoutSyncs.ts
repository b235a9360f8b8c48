// Notification intake alone: a host whose sync queue has one session slot
// that keeps the first session it takes for a day (sessionIdleTimeout), so
// the syncs the notifications queue wait and never run, but for that one
// user's; they are counted, not assumed. Beside the same load on a host whose
// syncs run (and are counted), it shows what the syncs cost the intake when
// both share one machine, as they share an instance in Azure.

import { addMailboxes, provision, startBenchHost } from './benchHost';
import { type IntakeThroughput, measureIntake } from './intake';

export async function measureIntakeWithoutSyncs(
  tablesConnectionString: string,
  coalesceSeconds: number,
  load: { users: number; requests: number; perRequest: number; concurrency: number; warmUp: number },
): Promise<IntakeThroughput> {
  // No settle anywhere on this host: its sync messages (the users' first syncs too) are never taken.
  const bench = await startBenchHost(tablesConnectionString, coalesceSeconds, {
    serviceBus: { maxConcurrentSessions: 1, sessionIdleTimeoutMs: 86_400_000 },
    settle: false,
  });
  try {
    await provision(bench.host, addMailboxes(bench.host, 'n', load.users, 0));
    return await measureIntake(bench, load.requests, load.perRequest, load.concurrency, {
      warmUp: load.warmUp,
      syncsRun: false,
    });
  } finally {
    await bench.stop();
  }
}
