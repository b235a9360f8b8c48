import { randomUUID } from 'node:crypto';
import type { SubscriptionRecord } from '../../shared/storage/records';
import type { BenchHost } from './benchHost';
import { inParallel, percentile } from './percentiles';

export interface IntakeThroughput {
  requests: number;
  notificationsPerRequest: number;
  notificationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rejected: number;
  /** The syncs the timed POSTs queued, and whether they ran: counted once the queues are idle again. */
  syncs: IntakeSyncs;
}

export type IntakeSyncs =
  | {
      ran: true;
      /** Sync messages handled, Graph requests and delta rounds they cost, until the queues were idle. */
      handled: number;
      graphRequests: number;
      deltaRounds: number;
      /** From the first timed POST until the last of their syncs was done. */
      throughSyncedMs: number;
    }
  | {
      ran: false;
      /** Sync messages left waiting, and the few that ran all the same (the one session the host's slot holds). */
      waiting: number;
      handled: number;
    };

export interface IntakeOptions {
  /** POSTs sent and answered before the timing starts (connections, caches and the JIT warm). */
  warmUp: number;
  /** Let the syncs run and wait for them (false on a host whose sync consumer takes next to nothing). */
  syncsRun: boolean;
}

/**
 * POST /api/graph/notifications as Graph would, valid notifications for
 * existing subscriptions, `concurrency` requests in flight; latency is the
 * request's round trip on this machine, the handler's answer included. A
 * warm-up goes first, its syncs done before the timing starts.
 */
export async function measureIntake(
  bench: BenchHost,
  requests: number,
  perRequest: number,
  concurrency: number,
  options: IntakeOptions = { warmUp: 0, syncsRun: true },
): Promise<IntakeThroughput> {
  const subscriptions = await bench.host.runtime.repos.subscriptions.list();
  if (subscriptions.length === 0) throw new Error('no subscriptions to notify');
  const url = `${bench.host.url}/api/graph/notifications`;
  const post = async (i: number) => {
    const body = JSON.stringify({
      value: Array.from({ length: perRequest }, (_, n) =>
        notification(subscriptions[(i * perRequest + n) % subscriptions.length]!, i, n),
      ),
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  };
  if (options.warmUp > 0) {
    await inParallel(options.warmUp, concurrency, async (i) => void (await post(requests + i)));
    if (options.syncsRun) await bench.host.settle();
  }
  const syncsBefore = bench.host.queue.stats('sync');
  bench.graph.reset();
  const latencies: number[] = [];
  let rejected = 0;
  const started = performance.now();
  await inParallel(requests, concurrency, async (i) => {
    const sent = performance.now();
    const status = await post(i);
    latencies.push(performance.now() - sent);
    if (status !== 202) rejected++;
  });
  const seconds = (performance.now() - started) / 1000;
  let syncs: IntakeSyncs;
  if (options.syncsRun) {
    await bench.host.settle();
    syncs = {
      ran: true,
      handled: bench.host.queue.stats('sync').completed - syncsBefore.completed,
      graphRequests: bench.graph.total,
      deltaRounds: bench.graph.rounds,
      throughSyncedMs: performance.now() - started,
    };
  } else {
    const after = bench.host.queue.stats('sync');
    syncs = {
      ran: false,
      waiting: after.ready + after.scheduled - syncsBefore.ready - syncsBefore.scheduled,
      handled: after.completed - syncsBefore.completed,
    };
  }
  return {
    requests,
    notificationsPerRequest: perRequest,
    notificationsPerSecond: (requests * perRequest) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    rejected,
    syncs,
  };
}

export interface ForgedFlood {
  posts: number;
  idsPerPost: number;
  /** Point reads of the subscriptions table while the flood was answered. */
  subscriptionReads: number;
  /** Answers of 500 and above, to forged POSTs and the genuine one. */
  serverErrors: number;
  /** Round trip of the one genuine notification sent while the flood was in flight (202 means queued). */
  genuineMs: number;
  genuineStatus: number;
  floodMs: number;
}

/**
 * What an anonymous caller costs: `posts` POSTs in flight at once, each of
 * `idsPerPost` forged notifications (random GUID-shaped ids, random
 * clientStates), with one genuine notification sent once they are under way.
 */
export async function measureForgedFlood(
  bench: BenchHost,
  posts: number,
  idsPerPost: number,
): Promise<ForgedFlood> {
  const [real] = await bench.host.runtime.repos.subscriptions.list();
  if (!real) throw new Error('no subscription to notify');
  const url = `${bench.host.url}/api/graph/notifications`;
  const send = (value: unknown[]) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
    });
  const bodies = Array.from({ length: posts }, () =>
    Array.from({ length: idsPerPost }, () => ({
      subscriptionId: randomUUID(),
      clientState: randomUUID(),
      changeType: 'updated',
      resource: 'Users/forged/Events/forged',
    })),
  );
  await bench.host.settle();
  bench.tables.reset();
  const started = performance.now();
  const flood = bodies.map((body) => send(body).then((response) => response.status));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const sent = performance.now();
  const genuine = await send([notification(real, 0, 0)]);
  const genuineMs = performance.now() - sent;
  const statuses = [...(await Promise.all(flood)), genuine.status];
  const floodMs = performance.now() - started;
  const subscriptionReads = bench.tables.count(/Subscriptions\(PartitionKey/);
  await bench.host.settle();
  return {
    posts,
    idsPerPost,
    subscriptionReads,
    serverErrors: statuses.filter((status) => status >= 500).length,
    genuineMs,
    genuineStatus: genuine.status,
    floodMs,
  };
}

function notification(subscription: SubscriptionRecord, request: number, index: number) {
  const resource = `Users/${subscription.userId}/Events/bench-${request}-${index}`;
  return {
    subscriptionId: subscription.subscriptionId,
    subscriptionExpirationDateTime: subscription.expiresAt,
    changeType: 'updated',
    resource,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.Event',
      '@odata.id': resource,
      id: `bench-${request}-${index}`,
    },
    clientState: subscription.clientState,
    tenantId: 'bench',
  };
}
