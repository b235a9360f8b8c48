// What renewing costs Table Storage, and that storing it never holds Graph
// back: a `$batch` of 20 renewals is stored in 21 requests (each own row, the
// integration's copies in one transaction), and the next batch goes to Graph
// while the previous one is still being written. Counted on the wire, through
// the benchmark's proxy in front of Azurite; Graph is the simulator.

import type { TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import type { LocalHost } from '../../dev/localHost/localHost';
import { newClientState } from '../../shared/graph/subscriptions';
import type { IntegrationRecord, SubscriptionRecord } from '../../shared/storage/records';
import { renewSubscriptions } from '../../shared/subscriptions/subscriptionKeeper';
import { startCountedHost } from '../support/countedHost';

describe('renewal writes', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;
  let integration: IntegrationRecord;

  beforeAll(async () => {
    ({ tables, host } = await startCountedHost());
    const found = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
    if (!found) throw new Error('the local host has no demo integration');
    integration = found.value;
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  /** Subscriptions as if created days ago, in the simulator and in the table. */
  async function seed(tag: string, count: number): Promise<SubscriptionRecord[]> {
    const { runtime, simulator } = host;
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = `00000000-0000-4000-${tag}-${String(i).padStart(12, '0')}`;
        simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `${tag}${i}@contoso.example` });
        const clientState = newClientState();
        const granted = simulator.seedSubscription(DEMO_TENANT.id, id, {
          notificationUrl: runtime.urls.notification,
          lifecycleNotificationUrl: runtime.urls.lifecycle,
          clientState,
          // Due soon: an hour left.
          expirationDateTime: new Date(runtime.now().getTime() + 3_600_000).toISOString(),
        });
        const record: SubscriptionRecord = {
          subscriptionId: granted.id,
          integrationId: DEMO_INTEGRATION_ID,
          userId: id,
          clientState,
          resource: granted.resource,
          expiresAt: granted.expirationDateTime,
        };
        await runtime.repos.subscriptions.upsert(record);
        return record;
      }),
    );
  }

  it('stores 20 renewals in 21 Table requests, both rows of each with the granted expiry', async () => {
    const seeded = await seed('a000', 40);
    const deps = host.runtime.maintenance(silentLogger);
    tables.reset();

    const outcomes = await renewSubscriptions(integration, seeded, deps);

    expect(outcomes.filter((o) => o.kind === 'renewed')).toHaveLength(seeded.length);
    const writes = tables.requests().filter((r) => !r.startsWith('GET '));
    // Each own row is a partition of its own; the copies of one batch share their integration's.
    expect(writes).toHaveLength(seeded.length + seeded.length / 20);
    expect(writes.filter((r) => r.includes('$batch'))).toHaveLength(seeded.length / 20);
    const renewedBefore = host.runtime.now().getTime() + (deps.subscriptionMinutes - 60) * 60_000;
    const copies = new Map(
      (await host.runtime.repos.subscriptions.listByIntegration(DEMO_INTEGRATION_ID)).map((s) => [
        s.subscriptionId,
        s,
      ]),
    );
    for (const subscription of seeded) {
      const own = await host.runtime.repos.subscriptions.get(subscription.subscriptionId);
      expect(Date.parse(own?.expiresAt ?? '')).toBeGreaterThan(renewedBefore);
      expect(copies.get(subscription.subscriptionId)?.expiresAt).toBe(own?.expiresAt);
    }
  }, 60_000);

  it('sends the next batch to Graph while the last one is still being written', async () => {
    const seeded = await seed('b000', 100);
    const deps = host.runtime.maintenance(silentLogger);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { subscriptions } = deps.repos;
    // Table Storage slower than Graph: no write finishes until every batch has been sent.
    const slowTables = {
      ...deps,
      repos: {
        ...deps.repos,
        subscriptions: {
          ...subscriptions,
          upsertMany: async (records: readonly SubscriptionRecord[]) => {
            await gate;
            await subscriptions.upsertMany(records);
          },
        },
      },
    };
    const before = host.simulator.subscriptionWrites().accepted;
    const sent = () => host.simulator.subscriptionWrites().accepted - before;

    const renewing = renewSubscriptions(integration, seeded, slowTables);
    try {
      // 5 batches, 4 in flight at once: the fifth is sent only if a worker did not wait for its writes.
      const waitUntil = Date.now() + 10_000;
      while (sent() < seeded.length && Date.now() < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(sent()).toBe(seeded.length);
    } finally {
      open();
    }
    const outcomes = await renewing;
    expect(outcomes.filter((o) => o.kind === 'renewed')).toHaveLength(seeded.length);
  }, 60_000);

  it('stops sending batches once the table refuses a write, and says so', async () => {
    const seeded = await seed('c000', 200);
    const deps = host.runtime.maintenance(silentLogger);
    const refusing = {
      ...deps,
      repos: {
        ...deps.repos,
        subscriptions: {
          ...deps.repos.subscriptions,
          upsertMany: async () => {
            throw new Error('table storage refused the write');
          },
        },
      },
    };
    const before = host.simulator.subscriptionWrites().accepted;

    await expect(renewSubscriptions(integration, seeded, refusing)).rejects.toThrow(
      'table storage refused the write',
    );
    // Each of the 4 workers has at most the batch it was sending when the first write failed.
    const sent = host.simulator.subscriptionWrites().accepted - before;
    expect(sent).toBeLessThanOrEqual(2 * 4 * 20);
    expect(sent).toBeLessThan(seeded.length);
  }, 60_000);
});
