// What an operator sees in Azure Monitor, recorded through the whole local
// system (Graph simulator, Azurite, in-process queues, the PBX sink): the
// service's metrics land in an in-memory OpenTelemetry reader instead of the
// Azure Monitor exporter, through the same adapter Azure uses.

import { PRODUCT_PERMISSIONS } from '../../dev/graphSimulator/graphSimulator';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import type { QueueSender } from '../../shared/queue/queuePort';
import { assembleRuntime, useRuntime } from '../../shared/runtime';
import { METRIC_NAMES } from '../../shared/telemetry/openTelemetryMetrics';
import { managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { createTestMeter, pointsOf, total } from '../support/testMeter';

const MINUTE = 60_000;

describe('operator metrics', () => {
  const meter = createTestMeter();
  const host = useTestHost({ metrics: meter.metrics, timerIntervalMs: 3_600_000 });
  let graph: Awaited<ReturnType<typeof graphAs>>;

  beforeAll(async () => {
    graph = await graphAs(host);
    await settle(host);
  });
  // Every test reads only what its own work recorded.
  beforeEach(async () => {
    await settle(host);
    await meter.read();
  });
  afterEach(() => useRuntime(host.runtime));

  const busyEvent = (hours: number) => {
    const slot = hourFromNow(hours);
    return graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Customer meeting',
      showAs: 'busy',
      start: slot.start,
      end: slot.end,
    });
  };

  it('times a calendar change from its notification to the PBX answer, and counts the delivery', async () => {
    const before = host.runtime.now().getTime();
    await busyEvent(2);
    await settle(host);
    const elapsed = host.runtime.now().getTime() - before;
    expect(host.sink!.received.map((w) => w.event.type)).toContain('absence.upserted');

    const points = await meter.read();
    const latency = pointsOf(points, METRIC_NAMES.notificationToWebhook, { type: 'absence.upserted' });
    expect(latency).toHaveLength(1);
    expect(latency[0]!.value).toBe(1);
    // Measured on the service clock between the notification's arrival and the 2xx, inside the test's span.
    expect(latency[0]!.histogram!.min).toBeGreaterThanOrEqual(0);
    expect(latency[0]!.histogram!.max).toBeLessThanOrEqual(elapsed);
    // The absence, and the status it changes (the user's next state).
    expect(total(points, METRIC_NAMES.webhooks, { outcome: 'delivered' })).toBe(2);
    expect(total(points, METRIC_NAMES.syncs, { outcome: 'synced' })).toBeGreaterThanOrEqual(1);
    expect(total(points, METRIC_NAMES.graphRequests, { kind: 'delta', status_class: '2xx' })).toBeGreaterThan(
      0,
    );
  });

  it('counts a 429 from Graph as a throttle of its kind, with its Retry-After, and the sync as rescheduled', async () => {
    host.simulator.faults.throttleNext(1, { retryAfterSeconds: 1, pathIncludes: 'calendarView/delta' });
    await busyEvent(4);
    await settle(host);

    const points = await meter.read();
    expect(
      total(points, METRIC_NAMES.graphThrottles, { kind: 'delta', status: '429', retry_after: 'given' }),
    ).toBe(1);
    expect(total(points, METRIC_NAMES.graphRequests, { kind: 'delta', status_class: '4xx' })).toBe(1);
    expect(total(points, METRIC_NAMES.syncs, { outcome: 'rescheduled' })).toBe(1);
    // The rescheduled sync delivered the change; a webhook it caused carries no notification time to report.
    expect(total(points, METRIC_NAMES.webhooks, { outcome: 'delivered' })).toBe(1);
  });

  it('counts a sync that failed (the queue delivers it again) and the one that then synced', async () => {
    host.simulator.faults.failNext(1, {
      status: 500,
      code: 'generalException',
      pathIncludes: 'calendarView/delta',
    });
    await busyEvent(6);
    await settle(host);

    const points = await meter.read();
    expect(total(points, METRIC_NAMES.syncs, { outcome: 'failed' })).toBe(1);
    expect(total(points, METRIC_NAMES.syncs, { outcome: 'synced' })).toBeGreaterThanOrEqual(1);
    expect(total(points, METRIC_NAMES.graphRequests, { kind: 'delta', status_class: '5xx' })).toBe(1);
    expect(total(points, METRIC_NAMES.graphThrottles)).toBe(0);
  });

  it('records the subscriptions a maintenance run could not renew, and zero once a later run renews them', async () => {
    const config = host.runtime.config;
    const subscriptions = await host.runtime.repos.subscriptions.list();
    expect(subscriptions.length).toBeGreaterThan(0);
    host.simulator.clock.advance(
      (config.SUBSCRIPTION_MAX_MINUTES - config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 1) * MINUTE,
    );
    // Every renewal in the $batch is throttled (each item on its own, as Graph does).
    host.simulator.faults.throttleNext(subscriptions.length, {
      retryAfterSeconds: 60,
      pathIncludes: 'subscriptions/',
    });
    await host.runTimer('maintenance');
    const throttled = await meter.read();
    // The $batch itself succeeds; its items are throttled, and count as throttled subscription requests.
    expect(
      total(throttled, METRIC_NAMES.graphThrottles, {
        kind: 'subscriptions',
        status: '429',
        retry_after: 'given',
      }),
    ).toBe(subscriptions.length);
    expect(throttled).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: METRIC_NAMES.subscriptionsAtRisk,
          attributes: { state: 'expiring' },
          value: subscriptions.length,
        }),
        expect.objectContaining({
          name: METRIC_NAMES.subscriptionsAtRisk,
          attributes: { state: 'missing' },
          value: 0,
        }),
      ]),
    );

    host.simulator.faults.clear();
    await host.runTimer('maintenance');
    const after = await meter.read();
    expect(pointsOf(after, METRIC_NAMES.subscriptionsAtRisk, { state: 'expiring' })).toEqual([
      expect.objectContaining({ value: 0 }),
    ]);
  });

  it('records users left without a subscription when re-creating fails', async () => {
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    // Nothing ran for longer than a subscription lives: every one of them has expired.
    host.simulator.clock.advance((host.runtime.config.SUBSCRIPTION_MAX_MINUTES + 60) * MINUTE);
    host.simulator.faults.failNext(users.length, {
      status: 500,
      code: 'generalException',
      pathIncludes: '/subscriptions',
    });
    await host.runTimer('maintenance');
    expect(pointsOf(await meter.read(), METRIC_NAMES.subscriptionsAtRisk, { state: 'missing' })).toEqual([
      expect.objectContaining({ value: users.length }),
    ]);

    host.simulator.faults.clear();
    await host.runTimer('maintenance');
    expect(pointsOf(await meter.read(), METRIC_NAMES.subscriptionsAtRisk, { state: 'missing' })).toEqual([
      expect.objectContaining({ value: 0 }),
    ]);
  });

  it('counts a notification POST answered 503 because its syncs could not be queued', async () => {
    const [subscription] = await host.runtime.repos.subscriptions.list();
    const broken: QueueSender = {
      send: async () => {
        throw new Error('Service Bus is unavailable');
      },
    };
    useRuntime(assembleRuntime({ ...host.runtime, queue: broken }));
    const response = await fetch(`${host.url}/api/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: subscription!.subscriptionId,
            clientState: subscription!.clientState,
            changeType: 'updated',
            resource: `Users/${subscription!.userId}/Events/AAMk1`,
          },
        ],
      }),
    });
    expect(response.status).toBe(503);
    expect(
      total(await meter.read(), METRIC_NAMES.notificationsRefused, {
        cause: 'notification',
        reason: 'queueFailed',
      }),
    ).toBe(1);
  });

  /** Back to granted in storage only, as if the state had not been noticed yet: the tenant still says no. */
  const forgetConsentState = async () => {
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
    const { missingPermissions: _missing, ...rest } = stored!.value;
    await host.runtime.repos.integrations.update({ ...rest, consentState: 'granted' }, stored!.etag);
  };
  const resync = async () => {
    const answer = await managementClient(host)('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`);
    expect(answer.status).toBe(202);
    await settle(host);
  };
  // The service's cached token keeps what it was issued with until it runs out (about an hour).
  const tokensRunOut = () => host.simulator.clock.advance(2 * 60 * MINUTE);

  it('counts an integration whose tenant removes a permission, as the maintenance run or a sync finds it', async () => {
    await host.simulator.setApplicationPermissions(DEMO_TENANT.id, []);
    tokensRunOut();
    await host.runTimer('maintenance');
    await host.runTimer('maintenance');
    expect(total(await meter.read(), METRIC_NAMES.consentLost, { reason: 'permissionsMissing' })).toBe(1);

    await forgetConsentState();
    await resync();
    expect(total(await meter.read(), METRIC_NAMES.consentLost, { reason: 'permissionsMissing' })).toBe(1);

    await host.simulator.setApplicationPermissions(DEMO_TENANT.id, PRODUCT_PERMISSIONS);
    tokensRunOut();
    await host.runTimer('maintenance');
    expect((await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.consentState).toBe(
      'granted',
    );
  });

  it('counts an integration whose tenant stops letting the app in, once, as the maintenance run or a sync finds it', async () => {
    host.simulator.setConsent(DEMO_TENANT.id, false);
    tokensRunOut();
    await host.runTimer('maintenance');
    await host.runTimer('maintenance');
    expect(total(await meter.read(), METRIC_NAMES.consentLost, { reason: 'refused' })).toBe(1);

    await forgetConsentState();
    await resync();
    const afterResync = await meter.read();
    expect(total(afterResync, METRIC_NAMES.consentLost, { reason: 'refused' })).toBe(1);
    // The syncs that met the refusal end skipped, not failed: retrying would only ask Entra ID again.
    expect(total(afterResync, METRIC_NAMES.syncs, { outcome: 'skipped' })).toBeGreaterThan(0);
    expect(total(afterResync, METRIC_NAMES.syncs, { outcome: 'failed' })).toBe(0);
  });
});
