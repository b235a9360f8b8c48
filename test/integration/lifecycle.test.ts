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

  it('a renewal throttled in lifecycle handling waits for Retry-After while the delta round runs now', async () => {
    // A day on, the subscription is old enough that reauthorizationRequired renews it.
    host.simulator.clock.advance(24 * 60 * MINUTE);
    const id = await aliceSubscription();
    const expiry = () => host.simulator.listSubscriptions().find((s) => s.id === id)!.expirationDateTime;
    const before = expiry();
    host.simulator.faults.dropNotificationFraction(1);
    const event = host.simulator.createEvent(ALICE.id, {
      subject: 'Workshop',
      showAs: 'oof',
      ...slotAhead(10),
    });
    host.simulator.faults.dropNotificationFraction(0);
    // Aimed at the PATCH item inside the $batch, not at the batch itself.
    host.simulator.faults.throttleNext(1, { retryAfterSeconds: 3, pathIncludes: `/subscriptions/${id}` });
    const sent: { body: unknown; scheduledEnqueueTime?: Date }[] = [];
    const send = host.queue.send.bind(host.queue);
    const spy = jest.spyOn(host.queue, 'send').mockImplementation(async (queue, messages) => {
      // Status ticks (due when a status ends) are not syncs of the calendar.
      if (queue === 'sync')
        sent.push(...messages.filter((m) => m.applicationProperties?.cause !== 'statusDue'));
      return send(queue, messages);
    });
    try {
      await host.simulator.sendLifecycleNotification(id, 'reauthorizationRequired');
      await host.simulator.flushNotifications();
      const handledAt = host.runtime.now().getTime();
      // Everything due within a second: the first sync and its webhooks, not the retry 3 s out.
      await host.queue.idle({ includeScheduled: true, scheduledHorizonMs: 1_000 });
      // The read was not skipped: the change reached the PBX before the renewal was tried again.
      expect(host.sink!.state().has(absenceIdFor(event.id))).toBe(true);
      expect(expiry()).toBe(before);
      // The notification's own sync, then the lifecycle event once more for when Graph allows it.
      expect(sent).toHaveLength(2);
      const retry = sent[1]!;
      expect(retry.body).toMatchObject({ userId: ALICE.id, lifecycleEvent: 'reauthorizationRequired' });
      expect(retry.scheduledEnqueueTime!.getTime() - handledAt).toBeGreaterThanOrEqual(3_000);
      expect(retry.scheduledEnqueueTime!.getTime() - handledAt).toBeLessThan(10_000);
    } finally {
      spy.mockRestore();
    }
    await host.queue.idle({ includeScheduled: true });
    await settle(host);
    expect(Date.parse(expiry())).toBeGreaterThan(Date.parse(before));
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
  });

  it('a renewal that fails otherwise is left to the maintenance run; the delta round runs now', async () => {
    host.simulator.clock.advance(24 * 60 * MINUTE);
    const id = await aliceSubscription();
    const expiry = () => host.simulator.listSubscriptions().find((s) => s.id === id)!.expirationDateTime;
    const before = expiry();
    host.simulator.faults.dropNotificationFraction(1);
    const event = host.simulator.createEvent(ALICE.id, { subject: 'Audit', showAs: 'oof', ...slotAhead(12) });
    host.simulator.faults.dropNotificationFraction(0);
    host.simulator.faults.failNext(1, {
      status: 500,
      code: 'generalException',
      pathIncludes: `/subscriptions/${id}`,
    });
    const scheduledBefore = host.queue.stats('sync').scheduled;
    const logsBefore = host.logs.length;
    await host.simulator.sendLifecycleNotification(id, 'reauthorizationRequired');
    await settle(host);
    expect(host.sink!.state().has(absenceIdFor(event.id))).toBe(true);
    expect(expiry()).toBe(before);
    expect(host.queue.stats('sync').scheduled).toBe(scheduledBefore);
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
    const warning = host.logs.slice(logsBefore).find((line) => line.includes('lifecycle event not handled'));
    expect(warning).toContain('Graph 500');
    // Close to its expiry the maintenance run renews what the lifecycle event could not.
    host.simulator.clock.advance(Date.parse(before) - host.runtime.now().getTime() - MINUTE);
    await host.runTimer('maintenance');
    expect(Date.parse(expiry())).toBeGreaterThan(Date.parse(before));
    await settle(host);
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
