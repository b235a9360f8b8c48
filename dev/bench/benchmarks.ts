// `npm run bench`: costs as counts beside their bounds or a naive baseline
// run on the same data in the same run, so the figures mean the same on a
// noisy 2-core machine as on a fast one. `npm run bench -- --json` prints the
// rows as JSON; `--only <group>` (repeatable) runs some groups of rows: see
// GROUPS below and docs/performance.md, "Reproduce".

import { MAX_LOOKUPS_PER_POST } from '../../shared/sync/subscriptionLookups';
import { startAzuriteTables } from '../azurite';
import { type BenchHost, type BenchUser, startBenchHost } from './benchHost';
import { measureBookingCost } from './bookingCost';
import { measureBurstCost } from './burstCost';
import { measureEndingCost } from './endingCost';
import { measureEwsBurst, measureEwsFirstSync, startEwsBenchHost } from './ewsCost';
import { measureInitialSync, measureTenantFirstSync, processMaxRssMb } from './firstSync';
import { measureGraphAnswersUnderIntake } from './graphAnswers';
import { type IntakeThroughput, measureForgedFlood, measureIntake } from './intake';
import { measureIntakeWithoutSyncs } from './intakeWithoutSyncs';
import { measureEndToEndLatency } from './latency';
import { measureOnboardingPace } from './onboardingPace';
import { measurePollingHour } from './pollingHour';
import { measureRenewalCost } from './renewalCost';
import { measureScanCost } from './scanCost';
import { measureSessionThroughput } from './sessionThroughput';
import { measureTableCost } from './tableCost';

const sizes = {
  intakeRequests: setting('BENCH_INTAKE_REQUESTS', 2000),
  intakeConcurrency: setting('BENCH_INTAKE_CONCURRENCY', 8),
  intakeChanges: setting('BENCH_INTAKE_CHANGES', 100),
  intakeWarmUp: setting('BENCH_INTAKE_WARMUP', 200),
  burst: setting('BENCH_BURST_K', 50),
  initialEvents: setting('BENCH_INITIAL_M', 500),
  renewals: setting('BENCH_RENEWAL_N', 10_000),
  onboarding: setting('BENCH_ONBOARDING_N', 10_000),
  tenantUsers: setting('BENCH_TENANT_USERS', 200),
  tenantEvents: setting('BENCH_TENANT_EVENTS', 20),
  tableUsers: setting('BENCH_TABLE_USERS', 20),
  latencyRounds: setting('BENCH_LATENCY_ROUNDS', 5),
  coalesceSeconds: setting('BENCH_COALESCE_SECONDS', 1),
  sessionSyncSamples: setting('BENCH_SESSION_SYNC_SAMPLES', 8),
  sessionRounds: setting('BENCH_SESSION_ROUNDS', 4),
  sessionTimeScale: setting('BENCH_SESSION_TIME_SCALE', 2),
  dashboardUsers: setting('BENCH_DASHBOARD_USERS', 200),
  endingUsers: setting('BENCH_ENDING_USERS', 300),
  ewsUsers: setting('BENCH_EWS_USERS', 50),
  ewsItems: setting('BENCH_EWS_ITEMS', 150),
  bookingUsers: setting('BENCH_BOOKING_USERS', 50),
};

// Issue 16's bounds and targets, printed beside the figures they judge.
const LATENCY_P50_BOUND_MS = 50;
const LATENCY_P95_BOUND_MS = 150;
const FIRST_SYNC_TABLE_TARGET = 8;
const FIRST_SYNC_MESSAGE_TARGET = 3;

type AddRow = (measure: string, value: string, against?: string, ratioText?: string) => void;

interface Row {
  measure: string;
  value: string;
  against: string;
  ratio: string;
}

/** Row groups, in the order of a full run; `--only <name>` (repeatable) picks some. */
const GROUPS = [
  'first-sync',
  'latency',
  'intake',
  'polling',
  'burst',
  'renewal',
  'onboarding',
  'tables',
  'sessions',
  'scans',
  'ending',
  'exchange',
  'booking',
] as const;
type Group = (typeof GROUPS)[number];

function chosenGroups(argv: readonly string[]): ReadonlySet<Group> {
  const named = argv.flatMap((arg, i) => (arg === '--only' && argv[i + 1] ? [argv[i + 1]!] : []));
  const unknown = named.filter((name) => !(GROUPS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown --only ${unknown.join(', ')}; one of ${GROUPS.join(', ')}`);
  return new Set(named.length > 0 ? (named as Group[]) : GROUPS);
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  const add: AddRow = (measure, value, against = '', ratioText = '') =>
    rows.push({ measure, value, against, ratio: ratioText });
  const chosen = chosenGroups(process.argv.slice(2));
  const tables = await startAzuriteTables();
  try {
    if (['first-sync', 'latency', 'intake', 'polling'].some((g) => chosen.has(g as Group)))
      await addTenantRows(add, tables.connectionString, chosen);
    if (chosen.has('burst')) await addBurstRows(add, tables.connectionString);
    if (chosen.has('renewal')) await addRenewalRows(add, tables.connectionString);
    if (chosen.has('onboarding')) await addOnboardingRows(add, tables.connectionString);
    if (chosen.has('tables')) await addTableRows(add, tables.connectionString);
    if (chosen.has('sessions')) await addSessionRows(add, tables.connectionString);
    if (chosen.has('scans')) await addScanRows(add, tables.connectionString);
    if (chosen.has('ending')) await addEndingRows(add, tables.connectionString);
    if (chosen.has('exchange')) await addExchangeRows(add, tables.connectionString);
    if (chosen.has('booking')) await addBookingRows(add, tables.connectionString);
  } finally {
    await tables.stop();
  }
  report(rows, started);
}

/**
 * The rows that share one host and its tenant: first syncs, latency, intake,
 * the polled hour. A group run alone first syncs the tenant it needs (the
 * latency row a small one) without printing it.
 */
async function addTenantRows(add: AddRow, tablesConnectionString: string, chosen: ReadonlySet<Group>) {
  // A local host installs its runtime for the whole process (`useRuntime`), so the intake's host
  // without syncs runs, and is gone, before the tenant's host starts.
  const alone = chosen.has('intake')
    ? await measureIntakeWithoutSyncs(tablesConnectionString, sizes.coalesceSeconds, {
        users: sizes.tenantUsers,
        requests: sizes.intakeRequests,
        perRequest: 1,
        concurrency: sizes.intakeConcurrency,
        warmUp: sizes.intakeWarmUp,
      })
    : undefined;
  const bench = await startBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    let mailboxes: BenchUser[] | undefined;
    if (chosen.has('first-sync')) mailboxes = await addFirstSyncRows(add, bench);
    if (chosen.has('latency')) {
      mailboxes ??= (await measureTenantFirstSync(bench, 20, 2)).mailboxes;
      await addLatencyRows(add, bench, mailboxes);
    }
    if (!alone && !chosen.has('polling')) return;
    mailboxes ??= (await measureTenantFirstSync(bench, sizes.tenantUsers, sizes.tenantEvents)).mailboxes;
    if (alone) await addIntakeRows(add, bench, alone);
    if (chosen.has('polling')) await addPollingRows(add, bench, mailboxes);
  } finally {
    await bench.stop();
  }
}

async function addFirstSyncRows(add: AddRow, bench: BenchHost): Promise<BenchUser[]> {
  const pageSize = bench.host.runtime.config.DELTA_PAGE_SIZE;
  const m = await measureInitialSync(bench, sizes.initialEvents);
  add(
    `Graph delta reads, first sync of 1 user with ${m.events} events`,
    String(m.deltaRequests),
    `bound ${m.bound} (⌈M/${pageSize}⌉ pages)`,
    ratio(m.deltaRequests, m.bound),
  );
  add(
    '  naive: one GET per event (run on the same mailbox)',
    naiveFigure(m.naive),
    `ours ${m.deltaRequests}`,
    `${ratio(m.naive.requests, m.deltaRequests)} more`,
  );

  const t = await measureTenantFirstSync(bench, sizes.tenantUsers, sizes.tenantEvents);
  const tenant = `${t.users} users × ${t.eventsPerUser} events`;
  const perUser = (n: number) => n / t.users;
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
    `${perUser(t.graphRequests).toFixed(1)} per user`,
  );
  add(
    '  of them delta reads',
    String(t.deltaRequests),
    `bound ${t.deltaBound} (U·⌈E/${pageSize}⌉)`,
    ratio(t.deltaRequests, t.deltaBound),
  );
  add(
    '  naive: one GET per event (run on the same mailboxes)',
    naiveFigure(t.naive),
    `ours ${t.deltaRequests} delta reads`,
    `${ratio(t.naive.requests, t.deltaRequests)} more`,
  );
  add(
    '  Table Storage requests per user',
    perUser(t.tableRequests).toFixed(1),
    `target ≤ ${FIRST_SYNC_TABLE_TARGET} (${t.tableRequests} in all)`,
    ratio(perUser(t.tableRequests), FIRST_SYNC_TABLE_TARGET),
  );
  add(
    '  webhooks per user, verified by the PBX sink',
    perUser(t.webhooks).toFixed(2),
    `bound 1 (one user.snapshot; ${t.webhooks} in all)`,
    ratio(perUser(t.webhooks), 1),
  );
  add(
    '  Service Bus messages per user (every queue, retries included)',
    perUser(t.queueMessages).toFixed(2),
    `target ≤ ${FIRST_SYNC_MESSAGE_TARGET}; least 2: its sync, one delivery (${t.queueMessages} in all)`,
    ratio(perUser(t.queueMessages), FIRST_SYNC_MESSAGE_TARGET),
  );
  return t.mailboxes;
}

/** Isolated changes at random phase to the coalescing bucket, beside issue 16's bounds. */
async function addLatencyRows(add: AddRow, bench: BenchHost, mailboxes: readonly BenchUser[]): Promise<void> {
  const l = await measureEndToEndLatency(bench, mailboxes, sizes.latencyRounds);
  add(
    `End-to-end latency of an isolated change, notification → verified webhook (SYNC_COALESCE_SECONDS=${l.coalesceSeconds})`,
    `p50 ${ms(l.p50Ms)}, p95 ${ms(l.p95Ms)}, p99 ${ms(l.p99Ms)}`,
    `bound p50 ≤ ${LATENCY_P50_BOUND_MS} ms, p95 ≤ ${LATENCY_P95_BOUND_MS} ms; ${l.samples} changes at random phase`,
    `${ratio(l.p50Ms, LATENCY_P50_BOUND_MS)} / ${ratio(l.p95Ms, LATENCY_P95_BOUND_MS)}`,
  );
  add(
    '  delta rounds per isolated change',
    l.deltaRoundsPerChange.toFixed(2),
    'bound 2 (the leading round and the bucket’s follow-up)',
    ratio(l.deltaRoundsPerChange, 2),
  );
}

/** Intake warm, its syncs not run beside the same load with its syncs run and counted. */
async function addIntakeRows(add: AddRow, bench: BenchHost, alone: IntakeThroughput): Promise<void> {
  const load = { concurrency: sizes.intakeConcurrency, warmUp: sizes.intakeWarmUp };
  add(
    `Notification intake, 1 per POST (${alone.requests} POSTs, ${load.concurrency} in flight, warm), syncs not run`,
    `${Math.round(alone.notificationsPerSecond)} /s`,
    `p50 ${ms(alone.p50Ms)}, p99 ${ms(alone.p99Ms)}; ${syncFigures(alone)}${notAccepted(alone)}`,
  );
  const single = await measureIntake(bench, sizes.intakeRequests, 1, load.concurrency, {
    warmUp: load.warmUp,
    syncsRun: true,
  });
  add(
    '  the same while their syncs run',
    `${Math.round(single.notificationsPerSecond)} /s`,
    `p50 ${ms(single.p50Ms)}, p99 ${ms(single.p99Ms)}; ${syncFigures(single)}${notAccepted(single)}`,
    `${ratio(single.notificationsPerSecond, alone.notificationsPerSecond)} of syncs not run`,
  );
  const batchRequests = Math.max(1, Math.round(sizes.intakeRequests / 10));
  const batch = await measureIntake(bench, batchRequests, 100, load.concurrency, {
    warmUp: Math.max(1, Math.round(load.warmUp / 10)),
    syncsRun: true,
  });
  add(
    `Notification intake, 100 per POST (${batch.requests} POSTs, warm), syncs run`,
    `${Math.round(batch.notificationsPerSecond)} /s`,
    `p50 ${ms(batch.p50Ms)}, p99 ${ms(batch.p99Ms)}; ${syncFigures(batch)}${notAccepted(batch)}`,
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
}

/** A simulated hour: the service's Graph requests for one change per user, the poller's for the same hour. */
async function addPollingRows(add: AddRow, bench: BenchHost, mailboxes: readonly BenchUser[]): Promise<void> {
  const h = await measurePollingHour(bench, mailboxes);
  add(
    `Graph requests in a simulated hour, ${h.users} users, 1 change per user (${h.ours.maintenanceRuns} maintenance runs)`,
    String(h.ours.requests),
    `polling each minute (run): ${h.polling.requests}${h.polling.ok === h.polling.requests ? '' : ` (${h.polling.ok} answered)`}`,
    `${ratio(h.polling.requests, h.ours.requests)} fewer`,
  );
  add(
    '  of them delta rounds (pages)',
    `${h.ours.deltaRounds} (${h.ours.deltaPages})`,
    `bound ${2 * h.changes} (2 per isolated change: leading + follow-up)`,
    ratio(h.ours.deltaRounds, 2 * h.changes),
  );
  add(
    '  polling: a change waits for the next poll, p50',
    ms(h.polling.p50WaitMs),
    `${h.polling.found} of ${h.changes} changes found`,
  );
}

async function addBurstRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const b = await measureBurstCost(sizes.burst, tablesConnectionString, sizes.coalesceSeconds);
  const bucket = `${b.coalesceSeconds} s bucket`;
  add(
    `Delta rounds for a burst of ${b.changes} changes to one user inside one ${bucket}`,
    String(b.deltaRounds),
    `bound 2 (leading round + the bucket’s follow-up)${b.insideOneBucket ? '' : '; the burst crossed a bucket’s end (bound 3)'}`,
    ratio(b.deltaRounds, 2),
  );
  add(
    '  Graph requests (delta pages and any other)',
    String(b.graphRequests),
    `bound ${b.pagesBound} (⌈K/${b.pageSize}⌉ + 1 pages, whatever the split between the rounds)`,
    ratio(b.graphRequests, b.pagesBound),
  );
  add(
    `  naive: one GET per notification (run beside, ${b.notifications} notifications)`,
    naiveFigure(b.naive),
    `ours ${b.graphRequests}`,
    `${ratio(b.naive.requests, b.graphRequests)} more`,
  );
  add(
    '  first change → every change verified at the PBX',
    ms(b.lastWebhookMs),
    `the follow-up runs at the ${bucket}’s end`,
  );
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

/** Deleting an integration: the PBX told first (one last snapshot per user), then everything removed. */
/** Exchange Server over EWS: requests of a first sync, against one paged CalendarView per mailbox. */
async function addExchangeRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const { host, counter } = await startEwsBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    const f = await measureEwsFirstSync(host, counter, sizes.ewsUsers, sizes.ewsItems);
    add(
      `Exchange Server: EWS requests, first sync of ${f.users} mailboxes × ${f.itemsPerUser} items`,
      String(f.ewsRequests),
      `bound ${f.bound} (one paged CalendarView per mailbox)`,
      ratio(f.ewsRequests, f.bound),
    );
    add('  webhooks per mailbox (one snapshot each)', (f.webhooks / f.users).toFixed(2), 'bound 1');
    add('  wall time, first sync of all of them', ms(f.wallMs));
    const b = await measureEwsBurst(
      host,
      counter,
      'ewsbench0@tailspin.example',
      f.itemsPerUser,
      sizes.burst,
      sizes.coalesceSeconds,
    );
    const bucket = `${b.coalesceSeconds} s bucket`;
    add(
      `Exchange Server: CalendarView rounds for a push burst of ${b.changes} changes inside one ${bucket}`,
      String(b.calendarViewRounds),
      `bound 2 (leading sync + the bucket’s follow-up)${b.insideOneBucket ? '' : '; the burst crossed a bucket’s end (bound 3)'}`,
      ratio(b.calendarViewRounds, 2),
    );
    add(
      `  EWS requests (${b.notifications} push notifications, ${b.notifiedEvents} events)`,
      String(b.ewsRequests),
      `bound ${b.bound} (2 rounds × the window’s CalendarView pages)`,
      ratio(b.ewsRequests, b.bound),
    );
    add(
      '  naive: one CalendarView per notified event (run after ours)',
      String(b.naive),
      `ours ${b.ewsRequests}`,
      `${ratio(b.naive, b.ewsRequests)} more`,
    );
    add('  first change → every change verified at the PBX', ms(b.lastWebhookMs));
  } finally {
    await host.stop();
  }
}

async function addBookingRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const b = await measureBookingCost(sizes.bookingUsers, tablesConnectionString);
  add(
    `Booking: Graph requests per free-time question for ${b.users} people`,
    String(b.query),
    `bound ${b.queryBound} (⌈N/20⌉ getSchedule)`,
    ratio(b.query, b.queryBound),
  );
  add(
    '  the first question of an instance (the group’s members read once)',
    String(b.firstQuery),
    `bound ${b.queryBound + 1}`,
    ratio(b.firstQuery, b.queryBound + 1),
  );
  add(
    '  naive: one getSchedule per person (run)',
    String(b.naive),
    `ours ${b.query}`,
    `${ratio(b.naive, b.query)} more`,
  );
  add('Booking: Graph requests per booking', String(b.book), 'bound 2 (getSchedule, POST)', ratio(b.book, 2));
  add(
    '  per move, per cancel',
    `${b.move}, ${b.cancel}`,
    'bound 2 (getSchedule, PATCH), 1 (DELETE)',
    ratio(b.move + b.cancel, 3),
  );
}

async function addEndingRows(add: AddRow, tablesConnectionString: string): Promise<void> {
  const bench = await startBenchHost(tablesConnectionString, sizes.coalesceSeconds);
  try {
    const e = await measureEndingCost(bench, sizes.endingUsers);
    add(
      `Deleting an integration of ${e.users} users: the DELETE answered (ms)`,
      e.deleteMs.toFixed(0),
      `the PBX told in ${(e.toldMs / 1000).toFixed(1)} s`,
    );
    add(
      '  webhooks per user to end it',
      e.webhooksPerUser.toFixed(2),
      'bound 1',
      ratio(e.webhooksPerUser, 1),
    );
    add(
      '  Table Storage requests per user, DELETE → removed (two maintenance runs)',
      e.tableRequestsPerUser.toFixed(1),
    );
  } finally {
    await bench.stop();
  }
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
      "  the same, moved to be the user's next absence (a user.status beside it)",
      String(c.perStatusChange),
      `bound ${c.perChange + 1} (one slot more)`,
      ratio(c.perStatusChange, c.perChange + 1),
    );
    add(`  of them`, c.perStatusChangeBreakdown.join(', '));
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

function naiveFigure(naive: { requests: number; ok: number }): string {
  return naive.ok === naive.requests
    ? String(naive.requests)
    : `${naive.requests} (${naive.ok} answered 200)`;
}

function notAccepted(intake: IntakeThroughput): string {
  return intake.rejected ? `, ${intake.rejected} not 202` : '';
}

function syncFigures(intake: IntakeThroughput): string {
  if (!intake.syncs.ran) return `${intake.syncs.waiting} syncs left queued, ${intake.syncs.handled} ran`;
  const { handled, deltaRounds, graphRequests, throughSyncedMs } = intake.syncs;
  return `${handled} syncs ran (${deltaRounds} delta rounds, ${graphRequests} Graph requests), all done ${ms(throughSyncedMs)} after the first POST`;
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
