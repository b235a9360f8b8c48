import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { newClientState } from '../../shared/graph/subscriptions';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { settle, useTestHost } from '../support/localHostHarness';

// Renewing many subscriptions inside one run's time budget, at the pace
// Graph's subscription write limit allows (simulated time: the run's waits
// move the one clock Graph and the service share).
describe('renewal at Graph pace', () => {
  const LIMIT = { writes: 100, windowSeconds: 20 };
  // The host's own timer stays out of the way: Azure never overlaps two runs of a timer
  // function (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#scale-out),
  // and this test runs maintenance itself.
  const host = useTestHost({ simulator: { subscriptionWriteLimit: LIMIT }, timerIntervalMs: 3_600_000 });
  const COUNT = 600;
  const RUN_BUDGET_MS = 8 * 60_000;
  const PACE = 40;

  beforeAll(() => settle(host));

  it('renews every due subscription in one run, never past the limit, within the budget', async () => {
    const { runtime, simulator } = host;
    const clock = simulator.clock;
    const lifetime = runtime.config.SUBSCRIPTION_MAX_MINUTES * 60_000;
    await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        const id = `00000000-0000-4000-b000-${String(i).padStart(12, '0')}`;
        simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `renew${i}@contoso.example` });
        const clientState = newClientState();
        // As if created days ago: thousands of validation handshakes would say nothing about renewal.
        const granted = simulator.seedSubscription(DEMO_TENANT.id, id, {
          notificationUrl: runtime.urls.notification,
          lifecycleNotificationUrl: runtime.urls.lifecycle,
          clientState,
          expirationDateTime: new Date(clock.now().getTime() + lifetime).toISOString(),
        });
        await runtime.repos.subscriptions.upsert({
          subscriptionId: granted.id,
          integrationId: DEMO_INTEGRATION_ID,
          userId: id,
          clientState,
          resource: granted.resource,
          expiresAt: granted.expirationDateTime,
        });
        const now = clock.now().toISOString();
        await runtime.repos.users.upsert({
          integrationId: DEMO_INTEGRATION_ID,
          id,
          email: `renew${i}@contoso.example`,
          timeZone: 'Europe/Stockholm',
          status: 'ok',
          lastSyncAt: now,
          createdAt: now,
          subscriptionId: granted.id,
        });
      }),
    );
    const due = (await runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)).length;
    clock.advance(lifetime - (runtime.config.SUBSCRIPTION_RENEW_MARGIN_MINUTES - 1) * 60_000);
    const sleep = async (ms: number) => {
      const until = clock.now().getTime() + ms;
      if (clock.now().getTime() < until) clock.set(new Date(until));
      await new Promise((resolve) => setImmediate(resolve));
    };
    const startedAt = clock.now().getTime();
    const report = await runMaintenance({
      ...runtime.maintenance(silentLogger),
      runBudgetMs: RUN_BUDGET_MS,
      // Our pace under the simulator's limit by the batches that can be in flight: the
      // simulated clock jumps when one batch waits, so up to 3 others taken before the
      // jump may reach Graph after it (real time never jumps; 450 of 500 covers latency).
      subscriptionWrites: { writes: PACE, windowMs: LIMIT.windowSeconds * 1000 },
      sleep,
    });
    const took = clock.now().getTime() - startedAt;

    expect(report.renewed).toBe(due);
    expect(report.deferred).toBe(0);
    expect(simulator.subscriptionWrites().refused).toBe(0);
    expect(simulator.subscriptionWrites().peakInWindow).toBeLessThanOrEqual(LIMIT.writes);
    // The limit, not this machine, set the time: at least the windows the writes needed, and inside the budget.
    expect(took).toBeGreaterThanOrEqual((Math.ceil(due / PACE) - 1) * LIMIT.windowSeconds * 1000);
    expect(took).toBeLessThan(RUN_BUDGET_MS);
    // The catch-up syncs the run queued finish before the host stops.
    await settle(host);
  }, 120_000);
});
