import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { integrationRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';
import { settle, useTestHost } from '../support/localHostHarness';

const MINUTE = 60_000;

/** The maintenance run handles each mailbox on its own: one failure never costs the others their upkeep. */
describe('maintenance run, one mailbox at a time', () => {
  const host = useTestHost();
  const [alice, bob, carol] = DEMO_USERS;
  const user = async (id: string) => (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, id))?.value;
  const liveSubscriptionsFor = (userId: string) =>
    host.simulator.listSubscriptions().filter((s) => s.resource.includes(userId)).length;

  beforeAll(() => settle(host));

  it('re-creates the other lost subscriptions when one re-creation fails, and that one on the next run', async () => {
    const lostAlice = (await user(alice.id))!.subscriptionId!;
    const lostCarol = (await user(carol.id))!.subscriptionId!;
    // Lost in Graph and lapsed in our table too, so the run goes straight to re-creating them.
    for (const lost of [lostAlice, lostCarol]) {
      host.simulator.deleteSubscriptionSilently(lost);
      const record = (await host.runtime.repos.subscriptions.get(lost))!;
      await host.runtime.repos.subscriptions.upsert({
        ...record,
        expiresAt: new Date(host.runtime.now().getTime() - MINUTE).toISOString(),
      });
    }
    // Users are kept in id order, so Alice's re-creation comes first and fails.
    host.simulator.faults.unavailableNext(1, { pathIncludes: '/subscriptions' });
    await host.runTimer('maintenance');
    await settle(host);

    expect(liveSubscriptionsFor(alice.id)).toBe(0);
    expect(liveSubscriptionsFor(carol.id)).toBe(1);
    expect((await user(carol.id))!.subscriptionId).not.toBe(lostCarol);

    await host.runTimer('maintenance');
    await settle(host);
    expect(liveSubscriptionsFor(alice.id)).toBe(1);
  });

  it('still renews every subscription when the followed group cannot be read', async () => {
    const followed = await optimisticUpdate(
      integrationRow(host.runtime.repos.integrations, DEMO_INTEGRATION_ID),
      (integration) => ({ ...integration, followGroupId: '0000dead-0000-4000-8000-000000000000' }),
    );
    expect(followed.kind).toBe('updated');
    const config = host.runtime.config;
    host.simulator.clock.advance(
      (config.SUBSCRIPTION_MAX_MINUTES - config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 1) * MINUTE,
    );
    const movedTo = host.runtime.now().getTime();
    await host.runTimer('maintenance');
    await settle(host);

    for (const id of [alice.id, bob.id, carol.id]) {
      const after = (await user(id))!;
      const record = await host.runtime.repos.subscriptions.get(after.subscriptionId!);
      expect(Date.parse(record!.expiresAt)).toBeGreaterThan(
        movedTo + (config.SUBSCRIPTION_MAX_MINUTES - 5) * MINUTE,
      );
      expect(Date.parse(after.lastSyncAt!)).toBeGreaterThanOrEqual(movedTo);
    }
  });

  it('adds the other new group members when adding one fails, and that one on the next run', async () => {
    const GROUP = '9a9a9a9a-0000-4000-8000-0000000000aa';
    const newcomers = ['d0000000-0000-4000-8000-00000000000d', 'e0000000-0000-4000-8000-00000000000e'];
    for (const id of newcomers)
      host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: GROUP,
      memberIds: [alice.id, bob.id, carol.id, ...newcomers],
    });
    await optimisticUpdate(
      integrationRow(host.runtime.repos.integrations, DEMO_INTEGRATION_ID),
      (integration) => ({
        ...integration,
        followGroupId: GROUP,
      }),
    );
    // The first newcomer's subscription is refused for a moment.
    host.simulator.faults.unavailableNext(1, { pathIncludes: '/subscriptions' });
    await host.runTimer('maintenance');
    await settle(host);
    expect(await user(newcomers[0]!)).toBeUndefined();
    expect((await user(newcomers[1]!))?.status).toBe('ok');

    await host.runTimer('maintenance');
    await settle(host);
    expect((await user(newcomers[0]!))?.status).toBe('ok');
  });
});
