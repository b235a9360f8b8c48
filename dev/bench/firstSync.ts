import { resourceUsage } from 'node:process';
import { QUEUE_NAMES } from '../../shared/queue/queuePort';
import { addMailboxes, type BenchHost, type BenchUser, provision } from './benchHost';

export interface InitialSyncCost {
  events: number;
  deltaRequests: number;
  graphRequests: number;
  /** ⌈M / page size⌉ */
  bound: number;
  /** One GET per event, a naive reader's cost. */
  naiveBaseline: number;
}

/** Graph requests of one user's first sync with M events: the delta round pages through them. */
export async function measureInitialSync(bench: BenchHost, events: number): Promise<InitialSyncCost> {
  const users = addMailboxes(bench.host, 'a', 1, events);
  bench.graph.reset();
  await provision(bench.host, users);
  await bench.host.settle();
  return {
    events,
    deltaRequests: bench.graph.delta,
    graphRequests: bench.graph.total,
    bound: Math.ceil(events / bench.host.runtime.config.DELTA_PAGE_SIZE),
    naiveBaseline: events,
  };
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
  };
}

function queueMessagesHandled(bench: BenchHost): number {
  return QUEUE_NAMES.reduce((sum, queue) => sum + bench.host.queue.stats(queue).completed, 0);
}

/** Peak resident memory of the whole bench process so far, MB. */
export function processMaxRssMb(): number {
  return Math.round(resourceUsage().maxRSS / 1024);
}
