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
}

/**
 * POST /api/graph/notifications as Graph would, valid notifications for
 * existing subscriptions, `concurrency` requests in flight; latency is the
 * request's round trip on this machine, the handler's answer included.
 */
export async function measureIntake(
  bench: BenchHost,
  requests: number,
  perRequest: number,
  concurrency: number,
): Promise<IntakeThroughput> {
  const subscriptions = await bench.host.runtime.repos.subscriptions.list();
  if (subscriptions.length === 0) throw new Error('no subscriptions to notify');
  const latencies: number[] = [];
  let rejected = 0;
  const url = `${bench.host.url}/api/graph/notifications`;
  const started = performance.now();
  await inParallel(requests, concurrency, async (i) => {
    const body = JSON.stringify({
      value: Array.from({ length: perRequest }, (_, n) =>
        notification(subscriptions[(i * perRequest + n) % subscriptions.length]!, i, n),
      ),
    });
    const sent = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    latencies.push(performance.now() - sent);
    if (response.status !== 202) rejected++;
  });
  const seconds = (performance.now() - started) / 1000;
  await bench.host.settle();
  return {
    requests,
    notificationsPerRequest: perRequest,
    notificationsPerSecond: (requests * perRequest) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    rejected,
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
