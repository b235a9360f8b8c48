import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { removeUser } from '../../shared/onboarding/userProvisioning';
import type { AbsenceRecord } from '../../shared/storage/records';
import { addDemoUsers, settle, useTestHost } from '../support/localHostHarness';

const MINUTE = 60_000;

/** The maintenance timer against the simulator: renewal cost, lost subscriptions, retention. */
describe('maintenance run', () => {
  const host = useTestHost();

  beforeAll(async () => {
    await addDemoUsers(host, 42);
    await settle(host);
  });

  it('renews every subscription due, 20 per $batch, and re-creates one Graph lost, catching its user up', async () => {
    const config = host.runtime.config;
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users).toHaveLength(45);
    const lost = users[7]!;
    host.simulator.deleteSubscriptionSilently(lost.subscriptionId!);

    // Move Graph's clock (and ours, they share it) to just inside the renewal margin of every subscription.
    host.simulator.clock.advance(
      (config.SUBSCRIPTION_MAX_MINUTES - config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 1) * MINUTE,
    );
    host.simulator.requests.reset();
    const movedTo = host.runtime.now().getTime();
    await host.runTimer('maintenance');

    const batches = host.simulator.requests.count({ method: 'POST', pathIncludes: '$batch' });
    // As many again ask every mailbox for its automatic replies (Graph notifies no change of them).
    expect(batches).toBe(2 * Math.ceil(users.length / 20));
    // (The catch-up syncs the run queues may ask again: their last read is older than the max age.)
    expect(host.simulator.requests.count({ pathIncludes: 'automaticRepliesSetting' })).toBeGreaterThanOrEqual(
      users.length,
    );
    expect(
      host.simulator.requests.count({ method: 'POST', pathIncludes: '/subscriptions' }),
    ).toBeGreaterThanOrEqual(1);

    const now = host.runtime.now().getTime();
    const live = new Map(host.simulator.listSubscriptions().map((s) => [s.id, s]));
    const after = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    for (const user of after) {
      const record = await host.runtime.repos.subscriptions.get(user.subscriptionId!);
      expect(live.has(user.subscriptionId!)).toBe(true);
      // Renewed (or re-created) for the full lifetime from the moved clock.
      expect(Date.parse(record!.expiresAt)).toBeGreaterThan(
        now + (config.SUBSCRIPTION_MAX_MINUTES - 5) * MINUTE,
      );
    }
    const replaced = after.find((u) => u.id === lost.id)!;
    expect(replaced.subscriptionId).not.toBe(lost.subscriptionId);
    expect(await host.runtime.repos.subscriptions.get(lost.subscriptionId!)).toBeUndefined();

    // The clock moved days ahead, so every user's window rolls: each gets a catch-up sync.
    await settle(host);
    const caughtUp = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, lost.id);
    expect(Date.parse(caughtUp!.value.lastSyncAt!)).toBeGreaterThanOrEqual(movedTo);
  });

  it('purges absences 30 days after they ended and keeps younger ones', async () => {
    const now = host.runtime.now().getTime();
    const user = (await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID))[0]!;
    const absence = (id: string, endedDaysAgo: number): AbsenceRecord => ({
      id,
      eventId: `event-${id}`,
      integrationId: DEMO_INTEGRATION_ID,
      userId: user.id,
      start: new Date(now - (endedDaysAgo * 24 + 1) * 60 * MINUTE).toISOString(),
      end: new Date(now - endedDaysAgo * 24 * 60 * MINUTE).toISOString(),
      reason: { code: 'busy', name: 'Busy' },
      callHandling: 'information',
      version: 1,
      deleted: false,
      updatedAt: new Date(now).toISOString(),
    });
    await host.runtime.repos.absences.upsertMany([absence('old', 31), absence('young', 29)]);
    await host.runTimer('maintenance');
    const ids = (await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, user.id)).map(
      (a) => a.id,
    );
    expect(ids).toContain('young');
    expect(ids).not.toContain('old');
  });

  it('purges delivered webhooks from the delivery log after the same retention', async () => {
    const now = host.runtime.now().getTime();
    const user = (await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID))[0]!;
    const row = (webhookId: string, daysAgo: number) => ({
      integrationId: DEMO_INTEGRATION_ID,
      webhookId,
      type: 'absence.upserted' as const,
      userId: user.id,
      state: 'delivered' as const,
      attempts: 1,
      updatedAt: new Date(now - daysAgo * 24 * 60 * MINUTE).toISOString(),
    });
    await host.runtime.repos.deliveries.record(row('msg_old', 31));
    await host.runtime.repos.deliveries.record(row('msg_young', 29));
    await host.runTimer('maintenance');
    expect(await host.runtime.repos.deliveries.get(DEMO_INTEGRATION_ID, 'msg_old')).toBeUndefined();
    expect(await host.runtime.repos.deliveries.get(DEMO_INTEGRATION_ID, 'msg_young')).toBeDefined();
  });

  it('a removed user leaves no rows and no subscription behind', async () => {
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    // Not the user of the purge test above, whose young absence stays on purpose.
    const user = users[1]!;
    const now = host.runtime.now();
    await host.runtime.repos.absences.upsertMany([
      {
        id: 'kept-until-removal',
        eventId: 'event-x',
        integrationId: DEMO_INTEGRATION_ID,
        userId: user.id,
        start: now.toISOString(),
        end: new Date(now.getTime() + 60 * MINUTE).toISOString(),
        reason: { code: 'busy', name: 'Busy' },
        callHandling: 'information',
        version: 1,
        deleted: false,
        updatedAt: now.toISOString(),
      },
    ]);
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, user.id)).toHaveLength(1);
    const removed = await removeUser(DEMO_INTEGRATION_ID, user.id, {
      ...host.runtime.onboarding(silentLogger),
    });
    expect(removed).toBe(true);
    expect(await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, user.id)).toBeUndefined();
    expect(await host.runtime.repos.subscriptions.get(user.subscriptionId!)).toBeUndefined();
    expect((await host.runtime.repos.subscriptions.list()).filter((s) => s.userId === user.id)).toHaveLength(
      0,
    );
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, user.id)).toHaveLength(0);
    expect(host.simulator.listSubscriptions().map((s) => s.id)).not.toContain(user.subscriptionId);
  });
});
