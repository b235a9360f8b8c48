// `npm run bench`: costs as counts beside their bounds or a naive baseline
// measured in the same run, so the figures mean the same on a noisy 2-core
// machine as on a fast one. `npm run bench -- --json` prints the rows as JSON;
// `npm run bench -- --only sessions` runs only the session-semantics rows,
// `--only tables` only the Table Storage requests per change and per user,
// `--only scans` the dashboard's reads, `--only first-sync` only the tenant's first sync,
// `--only latency` only the end-to-end latency row, `--only renewal` and `--only onboarding` only those.

import { MAX_LOOKUPS_PER_POST } from '../../shared/sync/subscriptionLookups';
import { startAzuriteTables } from '../azurite';
import { startBenchHost } from './benchHost';
import { measureBurstCost } from './burstCost';
import { measureInitialSync, measureTenantFirstSync, processMaxRssMb } from './firstSync';
import { measureGraphAnswersUnderIntake } from './graphAnswers';
import { measureForgedFlood, measureIntake } from './intake';
import { measureEndToEndLatency } from './latency';
import { measureOnboardingPace } from './onboardingPace';
import { measureRenewalCost } from './renewalCost';
import { measureScanCost } from './scanCost';
import { measureSessionThroughput } from './sessionThroughput';
import { measureTableCost } from './tableCost';

const sizes = {
  intakeRequests: setting('BENCH_INTAKE_REQUESTS', 2000),
  intakeConcurrency: setting('BENCH_INTAKE_CONCURRENCY', 8),
  intakeChanges: setting('BENCH_INTAKE_CHANGES', 100),
  burst: setting('BENCH_BURST_K', 50),
  initialEvents: setting('BENCH_INITIAL_M', 500),
  renewals: setting('BENCH_RENEWAL_N', 10_000),
  onboarding: setting('BENCH_ONBOARDING_N', 10_000),
  tenantUsers: setting('BENCH_TENANT_USERS', 200),
  tenantEvents: setting('BENCH_TENANT_EVENTS', 20),
  tableUsers: setting('BENCH_TABLE_USERS', 20),
  latencyRounds: setting('BENCH_LATENCY_ROUNDS', 3),
  coalesceSeconds: setting('BENCH_COALESCE_SECONDS', 1),
  sessionSyncSamples: setting('BENCH_SESSION_SYNC_SAMPLES', 8),
  sessionRounds: setting('BENCH_SESSION_ROUNDS', 4),
  sessionTimeScale: setting('BENCH_SESSION_TIME_SCALE', 2),
  dashboardUsers: setting('BENCH_DASHBOARD_USERS', 200),
};

type AddRow = (measure: string, value: string, against?: string, ratioText?: string) => void;

interface Row {
  measure: string;
  value: string;
  against: string;
  ratio: string;
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  const add: AddRow = (measure, value, against = '', ratioText = '') =>
    rows.push({ measure, value, against, ratio: ratioText });
  const tables = await startAzuriteTables();
  const only = (name: string) => process.argv.join(' ').includes(`--only ${name}`);
  if (only('renewal') || only('onboarding')) {
    try {
      if (only('renewal')) await addRenewalRows(add, tables.connectionString);
      if (only('onboarding')) await addOnboardingRows(add, tables.connectionString);
    } finally {
      await tables.stop();
    }
    return report(rows, started);
  }
  if (process.argv.join(' ').includes('--only latency')) {
    try {
      await addLatencyRow(add, tables.connectionString);
    } finally {
      await tables.stop();
    }
    return report(rows, started);
  }
  if (process.argv.join(' ').includes('--only sessions')) {
    try {
      await addSessionRows(add, tables.connectionString);
    } finally {
      await tables.stop();
    }
    return report(rows, started);
  }
  if (process.argv.join(' ').includes('--only scans')) {
    try {
      await addScanRows(add, tables.connectionString);
    } finally {
      await tables.stop();
    }
    return report(rows, started);
  }
  if (process.argv.join(' ').includes('--only tables')) {
    try {
      await addTableRows(add, tables.connectionString);
    } finally {
      await tables.stop();
    }
    return report(rows, started);
  }
  try {
    const bench = await startBenchHost(tables.connectionString, sizes.coalesceSeconds);
    try {
      const pageSize = bench.host.runtime.config.DELTA_PAGE_SIZE;
      const m = await measureInitialSync(bench, sizes.initialEvents);
      add(
        `Graph delta reads, first sync of 1 user with ${m.events} events`,
        String(m.deltaRequests),
        `bound ${m.bound} (⌈M/${pageSize}⌉ pages)`,
        ratio(m.deltaRequests, m.bound),
      );
      add(
        '  naive: one GET per event',
        String(m.naiveBaseline),
        `ours ${m.deltaRequests}`,
        `${ratio(m.naiveBaseline, m.deltaRequests)} more`,
      );

      const t = await measureTenantFirstSync(bench, sizes.tenantUsers, sizes.tenantEvents);
      const tenant = `${t.users} users × ${t.eventsPerUser} events`;
      add(
        `First sync of a tenant, ${tenant}: wall time`,
        `${(t.wallMs / 1000).toFixed(1)} s`,
        `${Math.round(t.wallMs / t.users)} ms per user`,
      );
      add(
        '  peak RSS (sampled; whole process incl. simulator, Azurite)',
        `${t.peakRssMb} MB`,
        `process maxRSS ${processMaxRssMb()} MB`,
      );
      add(
        '  Graph requests (lookups, subscriptions, delta)',
        String(t.graphRequests),
        `${(t.graphRequests / t.users).toFixed(1)} per user`,
      );
      add(
        '  of them delta reads',
        String(t.deltaRequests),
        `bound ${t.deltaBound} (U·⌈E/${pageSize}⌉)`,
        ratio(t.deltaRequests, t.deltaBound),
      );
      add(
        '  Table Storage requests',
        String(t.tableRequests),
        `${(t.tableRequests / t.users).toFixed(1)} per user`,
      );
      add(
        '  webhooks verified by the PBX sink',
        String(t.webhooks),
        `bound ${t.users} (1 snapshot per user)`,
        ratio(t.webhooks, t.users),
      );
      add(
        '  Service Bus messages',
        String(t.queueMessages),
        `bound ${2 * t.users} (1 sync + 1 delivery per user)`,
        ratio(t.queueMessages, 2 * t.users),
      );
      if (process.argv.join(' ').includes('--only first-sync')) return report(rows, started);

      const l = await measureEndToEndLatency(bench, t.mailboxes, sizes.latencyRounds);
      const pollMs = 30_000;
      add(
        `End-to-end latency, notification → verified webhook (SYNC_COALESCE_SECONDS=${l.coalesceSeconds})`,
        `p50 ${ms(l.p50Ms)}, p95 ${ms(l.p95Ms)}`,
        `${l.samples} changes; polling each minute waits 30 s on average`,
        `${ratio(pollMs, l.p50Ms)} faster`,
      );
      const pollPerHour = t.users * 60 * Math.ceil(t.eventsPerUser / pageSize);
      const oursPerHour = Math.round(t.users * l.graphRequestsPerChange);
      add(
        `Graph requests per hour, ${t.users} users, 1 change per user per hour`,
        String(oursPerHour),
        `polling calendarView each minute: ${pollPerHour}`,
        `${ratio(pollPerHour, oursPerHour)} fewer`,
      );

      const single = await measureIntake(bench, sizes.intakeRequests, 1, sizes.intakeConcurrency);
      add(
        `Notification intake, 1 per POST (${single.requests} POSTs, ${sizes.intakeConcurrency} in flight)`,
        `${Math.round(single.notificationsPerSecond)} /s`,
        `p50 ${ms(single.p50Ms)}, p99 ${ms(single.p99Ms)}${single.rejected ? `, ${single.rejected} not 202` : ''}`,
      );
      const batchRequests = Math.max(1, Math.round(sizes.intakeRequests / 10));
      const batch = await measureIntake(bench, batchRequests, 100, sizes.intakeConcurrency);
      add(
        `Notification intake, 100 per POST (${batch.requests} POSTs)`,
        `${Math.round(batch.notificationsPerSecond)} /s`,
        `p50 ${ms(batch.p50Ms)}, p99 ${ms(batch.p99Ms)}${batch.rejected ? `, ${batch.rejected} not 202` : ''}`,
        `${ratio(batch.notificationsPerSecond, single.notificationsPerSecond)} of 1 per POST`,
      );
      const g = await measureGraphAnswersUnderIntake(
        bench,
        sizes.intakeRequests,
        sizes.intakeConcurrency,
        sizes.intakeChanges,
      );
      add(
        `  Graph's notifications beside that load (${g.answers} POSTs for ${g.changes} changes): slow answers (> 2.9 s)`,
        String(g.slow),
        `bound 0 (Graph throttles at 10 %); slowest ${ms(g.slowestMs)}${g.notAccepted ? `, ${g.notAccepted} not 2xx` : ''}`,
      );
      const f = await measureForgedFlood(bench, 24, 1000);
      add(
        `Forged notifications, ${f.posts} POSTs × ${f.idsPerPost} ids in flight: Table reads per POST`,
        (f.subscriptionReads / f.posts).toFixed(1),
        `bound ${MAX_LOOKUPS_PER_POST} per POST`,
        ratio(f.subscriptionReads / f.posts, MAX_LOOKUPS_PER_POST),
      );
      add(
        '  genuine notification sent beside them, until queued (202)',
        ms(f.genuineMs),
        `status ${f.genuineStatus}; ${f.serverErrors} answers ≥ 500; flood answered in ${ms(f.floodMs)}`,
      );
    } finally {
      await bench.stop();
    }

    const b = await measureBurstCost(sizes.burst, tables.connectionString);
    add(
      `Graph requests for a burst of ${b.changes} changes to one user`,
      String(b.graphRequests),
      `bound ${b.lowerBound} (one delta round)`,
      ratio(b.graphRequests, b.lowerBound),
    );
    add(
      '  naive: one GET per notification',
      String(b.naiveBaseline),
      `ours ${b.graphRequests}`,
      `${ratio(b.naiveBaseline, b.graphRequests)} more`,
    );

    await addRenewalRows(add, tables.connectionString);
    await addOnboardingRows(add, tables.connectionString);

    await addTableRows(add, tables.connectionString);
    await addSessionRows(add, tables.connectionString);
    await addScanRows(add, tables.connectionString);
  } finally {
    await tables.stop();
  }
  report(rows, started);
}

/** One integration's dashboard beside a neighbour 10× its size: entities read, against the former list-all. */
async function addScanRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const d = await measureScanCost(sizes.dashboardUsers, 10, tablesConnectionString);
  add(
    `Table entities read by the dashboard of ${d.smallUsers} users beside ${d.largeUsers} (${d.ours.requests} requests)`,
    String(d.ours.entities),
    `bound ${d.bound} (its row, users, subscriptions)`,
    ratio(d.ours.entities, d.bound),
  );
  add(
    '  naive: every subscription listed, then filtered',
    String(d.naive.entities),
    `ours ${d.ours.entities} (${d.naive.requests} requests)`,
    `${ratio(d.naive.entities, d.ours.entities)} more`,
  );
}

/** Table Storage requests per moved event and per user of a first sync, beside issue 16's targets. */
async function addTableRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const bench = await startBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    const c = await measureTableCost(bench, sizes.tableUsers, sizes.tenantEvents);
    add(
      'Table Storage requests per moved event, notification → verified webhook',
      String(c.perChange),
      'target 4',
      ratio(c.perChange, 4),
    );
    add(`  of them`, c.perChangeBreakdown.join(', '));
    add(
      `Table Storage requests per user, first sync of ${c.users} users × ${c.eventsPerUser} events`,
      c.perUserFirstSync.toFixed(1),
      'target 8',
      ratio(c.perUserFirstSync, 8),
    );
  } finally {
    await bench.stop();
  }
}

async function addRenewalRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const r = await measureRenewalCost(sizes.renewals, tablesConnectionString);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  add(
    `Graph requests to renew ${r.subscriptions} subscriptions`,
    String(r.graphRequests),
    `bound ${r.lowerBound} (⌈N/20⌉ $batch)`,
    ratio(r.graphRequests, r.lowerBound),
  );
  add(
    '  naive (measured): one PATCH at a time, 429s waited out',
    `${r.naive.graphRequests} (${r.naive.throttled} refused with 429)`,
    `ours ${r.graphRequests}`,
    `${ratio(r.naive.graphRequests, r.graphRequests)} more`,
  );
  const floorMs = (r.subscriptions / 500) * 20_000;
  add(
    '  renewals done, run done (simulated, under Graph’s 500 writes / 20 s); wall time',
    `${seconds(r.renewalsDoneMs)}, ${seconds(r.simulatedMs)}; wall ${(r.wallMs / 1000).toFixed(1)} s`,
    `floor ${seconds(floorMs)}; run budget ${seconds(r.budgetMs)}`,
    ratio(r.renewalsDoneMs, floorMs),
  );
  add(
    '  naive (measured): time (simulated); wall time, per renewal',
    `${seconds(r.naive.simulatedMs)}; wall ${(r.naive.wallMs / 1000).toFixed(1)} s, ${(r.naive.wallMs / Math.max(1, r.naive.renewed)).toFixed(1)} ms`,
    `ours ${seconds(r.simulatedMs)}; wall ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  add('  renewed inside the run, left for the next', `${r.renewed}; ${r.deferred}`, `of ${r.subscriptions}`);
  add(
    'Table requests per renewed subscription (writes)',
    (r.tableWrites / Math.max(1, r.renewed)).toFixed(2),
    `bound 1.05 (own row + ⅟20 transaction); naive ${(r.naive.tableWrites / Math.max(1, r.naive.renewed)).toFixed(2)}`,
    ratio(r.tableWrites / Math.max(1, r.renewed), 1.05),
  );
}

async function addOnboardingRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const o = await measureOnboardingPace(sizes.onboarding, tablesConnectionString);
  add(
    `Onboarding ${o.members} group members under Graph’s 500 writes / 20 s (simulated time, ${o.runs} runs)`,
    `${(o.simulatedMs / 1000).toFixed(0)} s`,
    `floor ${(o.floorMs / 1000).toFixed(0)} s (N/500 × 20 s)`,
    ratio(o.simulatedMs, o.floorMs),
  );
  add(
    '  added, writes refused with 429, busiest 20 s, wall time',
    `${o.added}; ${o.refusedWrites}; ${o.peakInWindow}; ${(o.wallMs / 1000).toFixed(0)} s`,
    `of ${o.members}; limit 500`,
  );
}

/** Users per second per instance under session semantics, the settings before issue 15 beside host.json's. */
async function addSessionRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const bench = await startBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    const s = await measureSessionThroughput(bench, bench.host.serviceBus, {
      samples: sizes.sessionSyncSamples,
      events: sizes.tenantEvents,
      rounds: sizes.sessionRounds,
      timeScale: sizes.sessionTimeScale,
    });
    const t = `${Math.round(s.syncMs)} ms`;
    const settingsOf = (f: typeof s.earlier) => `${f.slots} sessions, ${f.idleMs / 1000} s idle`;
    add(
      `Users per second per instance under session semantics, ${settingsOf(s.earlier)} (before); sync t = ${t}`,
      `${s.earlier.usersPerSecond.toFixed(2)} /s`,
      `bound ${s.earlier.slots}/(t + ${s.earlier.idleMs / 1000} s) = ${s.earlier.bound.toFixed(2)} /s`,
      ratio(s.earlier.usersPerSecond, s.earlier.bound),
    );
    add(
      `  with host.json: ${settingsOf(s.current)}`,
      `${s.current.usersPerSecond.toFixed(2)} /s`,
      `bound ${s.current.slots}/(t + ${s.current.idleMs / 1000} s) = ${s.current.bound.toFixed(2)} /s`,
      `${ratio(s.current.usersPerSecond, s.earlier.usersPerSecond)} before`,
    );
  } finally {
    await bench.stop();
  }
}

/** The latency row alone, on a small tenant (its mailboxes are all the row needs). */
async function addLatencyRow(add: AddRow, tablesConnectionString: string): Promise<void> {
  const bench = await startBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    const t = await measureTenantFirstSync(bench, 20, 2);
    const l = await measureEndToEndLatency(bench, t.mailboxes, sizes.latencyRounds);
    add(
      `End-to-end latency, notification → verified webhook (SYNC_COALESCE_SECONDS=${l.coalesceSeconds})`,
      `p50 ${ms(l.p50Ms)}, p95 ${ms(l.p95Ms)}`,
      `${l.samples} isolated changes at random phase to the bucket`,
    );
  } finally {
    await bench.stop();
  }
}

function report(rows: readonly Row[], started: number): void {
  const total = `${((performance.now() - started) / 1000).toFixed(0)} s`;
  if (process.argv.includes('--json')) console.log(JSON.stringify({ sizes, rows, total }, null, 2));
  else print(rows, total);
}

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

function ratio(value: number, bound: number): string {
  return bound > 0 ? `${(value / bound).toFixed(2)}×` : 'n/a';
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function print(rows: readonly Row[], total: string): void {
  const table = [
    ['measure', 'figure', 'bound / baseline', 'ratio'],
    ...rows.map((r) => [r.measure, r.value, r.against, r.ratio]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of table.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(`\n(${total} in all on this machine; sizes: ${JSON.stringify(sizes)})`);
}

main().then(
  // Keep-alive sockets of the SDK's fetch would hold the process open for a while; the figures are printed.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
