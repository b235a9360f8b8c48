import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

const MINUTE = 60_000;

/** Graph's lifecycle notifications, end to end through /api/graph/lifecycle. */
describe('lifecycle notifications', () => {
  const host = useTestHost();
  const aliceSubscription = async () =>
    (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))!.value.subscriptionId!;

  /** An hour `hours` ahead of the host's clock, which the first test moves a day forward. */
  const slotAhead = (hours: number) => {
    const start = Math.ceil(host.runtime.now().getTime() / (60 * MINUTE)) * 60 * MINUTE + hours * 60 * MINUTE;
    const at = (ms: number) => ({ dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' });
    return { start: at(start), end: at(start + 60 * MINUTE) };
  };

  beforeAll(() => settle(host));

  it('reauthorizationRequired renews by PATCH once, however often it repeats', async () => {
    host.simulator.clock.advance(24 * 60 * MINUTE);
    const id = await aliceSubscription();
    const before = host.simulator.listSubscriptions().find((s) => s.id === id)!.expirationDateTime;
    host.simulator.requests.reset();
    await host.simulator.sendLifecycleNotification(id, 'reauthorizationRequired');
    await settle(host);
    await host.simulator.sendLifecycleNotification(id, 'reauthorizationRequired');
    await settle(host);
    const after = host.simulator.listSubscriptions().find((s) => s.id === id)!.expirationDateTime;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
    expect(await aliceSubscription()).toBe(id);
    // PATCHes travel inside $batch: one batch call for the first event, none for the repeat.
    expect(host.simulator.requests.count({ method: 'POST', pathIncludes: '$batch' })).toBe(1);
  });

  it('subscriptionRemoved re-creates the subscription and catches the user up', async () => {
    const old = await aliceSubscription();
    host.simulator.faults.dropNotificationFraction(1);
    const slot = slotAhead(6);
    const event = host.simulator.createEvent(ALICE.id, { subject: 'Offsite', showAs: 'oof', ...slot });
    host.simulator.faults.dropNotificationFraction(0);
    await host.simulator.sendLifecycleNotification(old, 'subscriptionRemoved');
    await settle(host);
    const replaced = await aliceSubscription();
    expect(replaced).not.toBe(old);
    expect(host.simulator.listSubscriptions().map((s) => s.id)).toContain(replaced);
    expect(await host.runtime.repos.subscriptions.get(old)).toBeUndefined();
    // The change made while notifications were lost reached the PBX through the catch-up.
    expect(host.sink!.state().has(absenceIdFor(event.id))).toBe(true);
  });

  it('missed catches the user up', async () => {
    host.simulator.faults.dropNotificationFraction(1);
    const slot = slotAhead(8);
    const event = host.simulator.createEvent(ALICE.id, { subject: 'Review', showAs: 'busy', ...slot });
    await settle(host);
    expect(host.sink!.state().has(absenceIdFor(event.id))).toBe(false);
    host.simulator.faults.dropNotificationFraction(0);
    await host.simulator.sendLifecycleNotification(await aliceSubscription(), 'missed');
    await settle(host);
    expect(host.sink!.state().has(absenceIdFor(event.id))).toBe(true);
  });

  it('ignores a lifecycle notification with a forged clientState', async () => {
    const before = host.queue.stats('sync').completed;
    const response = await fetch(`${host.url}/api/graph/lifecycle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: await aliceSubscription(),
            clientState: 'forged',
            lifecycleEvent: 'subscriptionRemoved',
            tenantId: 't',
            subscriptionExpirationDateTime: new Date().toISOString(),
          },
        ],
      }),
    });
    expect(response.status).toBe(202);
    await settle(host);
    expect(host.queue.stats('sync').completed).toBe(before);
  });
});
