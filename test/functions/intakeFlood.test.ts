// The public notification endpoint under a flood of forged notifications, as
// an anonymous caller can send it: what each forged item costs in Table
// Storage requests (counted by a pass-through proxy in front of Azurite), and
// that Graph's own notification still gets through in time beside it.

import { randomUUID } from 'node:crypto';
import type { TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import type { LocalHost } from '../../dev/localHost/localHost';
import type { SubscriptionRecord } from '../../shared/storage/records';
import { isGraphSubscriptionId, MAX_LOOKUPS_PER_POST } from '../../shared/sync/subscriptionLookups';
import { startCountedHost } from '../support/countedHost';
import { addDemoUsers, settle } from '../support/localHostHarness';

/** POSTs of forged ids in flight at once, as in the report that found the flood. */
const FORGED_POSTS = 24;
/** Forged ids per POST: as many as the collection schema allows. */
const FORGED_PER_POST = 1000;
/** Point reads of the subscriptions table (the intake's only Table requests). */
const SUBSCRIPTION_READS = /Subscriptions\(PartitionKey/;

describe('notification intake under a flood of forged ids', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;
  let subscriptions: SubscriptionRecord[];

  beforeAll(async () => {
    ({ tables, host } = await startCountedHost());
    subscriptions = await host.runtime.repos.subscriptions.list();
    expect(subscriptions.length).toBeGreaterThanOrEqual(3);
    // The simulator hands out ids shaped as Graph's, so the shape check refuses none of ours.
    expect(subscriptions.filter((s) => !isGraphSubscriptionId(s.subscriptionId))).toEqual([]);
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  /**
   * Users a sync was queued for: each notified user's POST sends a leading
   * message and the bucket's follow-up (duplicate detection may drop one).
   */
  const syncsQueued = () => {
    const stats = host.queue.stats('sync');
    const sent =
      stats.completed +
      stats.ready +
      stats.scheduled +
      stats.inFlight +
      stats.retrying +
      stats.deadLettered +
      stats.duplicatesDropped;
    return sent / 2;
  };
  const post = (value: unknown[]) =>
    fetch(`${host.url}/api/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
    });
  const genuine = (subscription: SubscriptionRecord) => ({
    subscriptionId: subscription.subscriptionId,
    clientState: subscription.clientState,
    changeType: 'updated',
    resource: `Users/${subscription.userId}/Events/AAMk1`,
    tenantId: 'tenant',
  });
  const forged = (subscriptionId: string) => ({
    subscriptionId,
    clientState: randomUUID(),
    changeType: 'updated',
    resource: 'Users/x/Events/y',
  });

  it(`answers ${FORGED_POSTS} POSTs of ${FORGED_PER_POST} forged ids without a 5xx, at most ${MAX_LOOKUPS_PER_POST} reads each, and queues Graph's notification beside them, before the flood is answered`, async () => {
    const real = subscriptions[0]!;
    const bodies = Array.from({ length: FORGED_POSTS }, () =>
      Array.from({ length: FORGED_PER_POST }, () => forged(randomUUID())),
    );
    const before = syncsQueued();
    tables.reset();
    const flood = bodies.map((body) => post(body).then((response) => response.status));
    const floodAnswered = Promise.all(flood).then(() => performance.now());
    // Graph's notification arrives once the flood is under way, for a subscription this instance has not read yet.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const genuineResponse = await post([genuine(real)]);
    const genuineAnsweredAt = performance.now();
    const statuses = await Promise.all(flood);
    const floodDoneAt = await floodAnswered;
    const reads = tables.count(SUBSCRIPTION_READS);

    expect(genuineResponse.status).toBe(202);
    // 202 is only answered once the sync is queued: it was queued beside the flood, not behind all of it.
    // (How long that takes is a benchmark figure, `npm run bench -- --only intake`, not a timed test.)
    expect(genuineAnsweredAt).toBeLessThan(floodDoneAt);
    expect(syncsQueued() - before).toBe(1);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.every((status) => status === 202)).toBe(true);
    expect(reads).toBeLessThanOrEqual(FORGED_POSTS * MAX_LOOKUPS_PER_POST + 1);
    await settle(host);
  }, 60_000);

  it('drops ids of slashes and percent signs without a read, and queues the genuine item of the same POST', async () => {
    const real = subscriptions[1]!;
    const hostile = ['/'.repeat(200), '%'.repeat(200), '%2F/'.repeat(50), `${real.subscriptionId}/..`];
    await settle(host);
    const before = syncsQueued();
    tables.reset();
    const response = await post([...hostile.map(forged), genuine(real), ...hostile.map(forged)]);
    expect(response.status).toBe(202);
    expect(syncsQueued() - before).toBe(1);
    // One read at most: the genuine subscription's (none if this instance already knew it).
    expect(tables.count(SUBSCRIPTION_READS)).toBeLessThanOrEqual(1);
    await settle(host);
  });

  it('drops a malformed item and queues the genuine item of the same POST', async () => {
    const real = subscriptions[2]!;
    await settle(host);
    const before = syncsQueued();
    const response = await post([
      { ...forged(randomUUID()), clientState: 'x'.repeat(129) },
      { subscriptionId: 42 },
      genuine(real),
    ]);
    expect(response.status).toBe(202);
    expect(syncsQueued() - before).toBe(1);
    await settle(host);
  });

  it(`reads at most ${MAX_LOOKUPS_PER_POST} of a lone POST's ${FORGED_PER_POST} forged ids`, async () => {
    tables.reset();
    const response = await post(Array.from({ length: FORGED_PER_POST }, () => forged(randomUUID())));
    expect(response.status).toBe(202);
    expect(tables.count(SUBSCRIPTION_READS)).toBe(MAX_LOOKUPS_PER_POST);
  });

  it('reads a forged id once per POST however often it repeats', async () => {
    const id = randomUUID();
    tables.reset();
    const response = await post(Array.from({ length: FORGED_PER_POST }, () => forged(id)));
    expect(response.status).toBe(202);
    expect(tables.count(SUBSCRIPTION_READS)).toBe(1);
  });

  it(`reads every subscription of Graph's batch, more than ${MAX_LOOKUPS_PER_POST} this instance has not read yet`, async () => {
    await addDemoUsers(host, MAX_LOOKUPS_PER_POST + 4, 100);
    await settle(host);
    const known = new Set(subscriptions.map((s) => s.subscriptionId));
    const fresh = (await host.runtime.repos.subscriptions.list()).filter((s) => !known.has(s.subscriptionId));
    expect(fresh.length).toBeGreaterThan(MAX_LOOKUPS_PER_POST);
    const before = syncsQueued();
    const response = await post(fresh.map(genuine));
    expect(response.status).toBe(202);
    expect(syncsQueued() - before).toBe(fresh.length);
    await settle(host);
  }, 60_000);

  it('answers 503 when a subscription cannot be read, so Graph delivers the POST again, and still queues what it verified', async () => {
    const real = subscriptions[0]!;
    // The instance now knows `real`; the other id needs a read, which storage refuses.
    expect((await post([genuine(real)])).status).toBe(202);
    await settle(host);
    const before = syncsQueued();
    tables.refuse(403);
    try {
      const response = await post([genuine(real), forged(randomUUID())]);
      expect(response.status).toBe(503);
    } finally {
      tables.refuse();
    }
    expect(syncsQueued() - before).toBe(1);
    await settle(host);
  });
});
