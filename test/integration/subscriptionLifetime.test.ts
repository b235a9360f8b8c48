import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { settle, useTestHost } from '../support/localHostHarness';

const MINUTE = 60_000;

/**
 * Graph's documentation has named both 4 230 and 10 080 minutes as the longest
 * event subscription. Against a Graph that refuses anything past 4 230 (the
 * simulator refuses past its maximum by default, as Graph does), the
 * configured 10 080 must still end in working subscriptions, at creation and
 * at renewal.
 */
describe('subscription lifetime when Graph allows less than configured', () => {
  const host = useTestHost({ simulator: { maxSubscriptionMinutes: 4230 } });

  beforeAll(() => settle(host));

  it('creates every subscription with the shorter lifetime Graph accepts', async () => {
    expect(host.runtime.config.SUBSCRIPTION_MAX_MINUTES).toBe(10080);
    const now = host.runtime.now().getTime();
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users).toHaveLength(3);
    for (const user of users) {
      const record = await host.runtime.repos.subscriptions.get(user.subscriptionId!);
      const minutesLeft = (Date.parse(record!.expiresAt) - now) / MINUTE;
      expect(minutesLeft).toBeGreaterThan(4200);
      expect(minutesLeft).toBeLessThanOrEqual(4230);
    }
    expect(host.simulator.listSubscriptions()).toHaveLength(3);
  });

  it('renews them in the maintenance run, falling back the same way', async () => {
    host.simulator.clock.advance((4230 - host.runtime.config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 5) * MINUTE);
    const before = new Map(host.simulator.listSubscriptions().map((s) => [s.id, s.expirationDateTime]));
    await host.runTimer('maintenance');
    const after = host.simulator.listSubscriptions();
    expect(after.map((s) => s.id).sort()).toEqual([...before.keys()].sort());
    for (const subscription of after) {
      expect(Date.parse(subscription.expirationDateTime)).toBeGreaterThan(
        Date.parse(before.get(subscription.id)!),
      );
    }
  });
});
