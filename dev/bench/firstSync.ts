import { resourceUsage } from 'node:process';
import { QUEUE_NAMES } from '../../shared/queue/queuePort';
import { addMailboxes, type BenchHost, type BenchUser, provision } from './benchHost';
import { naiveGraphClient } from './naiveGraphClient';
import { inParallel } from './percentiles';

export interface InitialSyncCost {
  events: number;
  deltaRequests: number;
  graphRequests: number;
  /** ⌈M / page size⌉ */
  bound: number;
  /** A naive reader run on the same mailbox: one GET per event (and of them answered 200). */
  naive: { requests: number; ok: number };
}

/** Graph requests of one user's first sync with M events: the delta round pages through them. */
export async function measureInitialSync(bench: BenchHost, events: number): Promise<InitialSyncCost> {
  const users = addMailboxes(bench.host, 'a', 1, events);
  bench.graph.reset();
  await provision(bench.host, users);
  await bench.host.settle();
  const deltaRequests = bench.graph.delta;
  const graphRequests = bench.graph.total;
  return {
    events,
    deltaRequests,
    graphRequests,
    bound: Math.ceil(events / bench.host.runtime.config.DELTA_PAGE_SIZE),
    naive: await readEachEvent(bench, users),
  };
}

/**
 * The naive first sync, run on the same mailboxes: one GET per event, given
 * the ids (what a client that reads changes without delta pays at the least).
 */
export async function readEachEvent(
  bench: BenchHost,
  users: readonly BenchUser[],
): Promise<{ requests: number; ok: number }> {
  const client = naiveGraphClient(bench.host.simulator);
  const reads = users.flatMap((user) => user.eventIds.map((eventId) => ({ user: user.id, eventId })));
  await inParallel(reads.length, 8, async (i) => {
    const { user, eventId } = reads[i]!;
    await client.get(`users/${encodeURIComponent(user)}/events/${encodeURIComponent(eventId)}`);
  });
  return { requests: client.requests, ok: client.ok };
}

export interface TenantFirstSync {
  users: number;
  eventsPerUser: number;
  wallMs: number;
  peakRssMb: number;
  graphRequests: number;
  deltaRequests: number;
  /** U × ⌈E / page size⌉ delta reads. */
  deltaBound: number;
  tableRequests: number;
  webhooks: number;
  /** Queue messages handled on every queue (sync requests, deliveries, their retries). */
  queueMessages: number;
  mailboxes: BenchUser[];
  /** The naive reader on the same mailboxes afterwards: one GET per event. */
  naive: { requests: number; ok: number };
}

/**
 * A tenant of U users × E events onboarded at once through the local host:
 * lookups, subscriptions, first delta rounds, webhooks to the PBX sink.
 */
export async function measureTenantFirstSync(
  bench: BenchHost,
  users: number,
  eventsPerUser: number,
): Promise<TenantFirstSync> {
  const mailboxes = addMailboxes(bench.host, 'b', users, eventsPerUser);
  const sink = bench.host.sink;
  const webhooksBefore = (sink?.received.length ?? 0) + (sink?.snapshots.length ?? 0);
  const messagesBefore = queueMessagesHandled(bench);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  bench.graph.reset();
  bench.tables.reset();
  const started = performance.now();
  try {
    await provision(bench.host, mailboxes);
    await bench.host.settle();
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - started;
  // maxRSS covers the whole process life; the sampled peak is this phase's (both include simulator and Azurite).
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    users,
    eventsPerUser,
    wallMs,
    peakRssMb: Math.round(Math.max(peakRss, 0) / 1_048_576),
    graphRequests: bench.graph.total,
    deltaRequests: bench.graph.delta,
    deltaBound: users * Math.ceil(eventsPerUser / bench.host.runtime.config.DELTA_PAGE_SIZE),
    tableRequests: bench.tables.count(),
    webhooks: (sink?.received.length ?? 0) + (sink?.snapshots.length ?? 0) - webhooksBefore,
    queueMessages: queueMessagesHandled(bench) - messagesBefore,
    mailboxes,
    naive: await readEachEvent(bench, mailboxes),
  };
}

function queueMessagesHandled(bench: BenchHost): number {
  return QUEUE_NAMES.reduce((sum, queue) => sum + bench.host.queue.stats(queue).completed, 0);
}

/** Peak resident memory of the whole bench process so far, MB. */
export function processMaxRssMb(): number {
  return Math.round(resourceUsage().maxRSS / 1024);
}
