import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import type { OnboardingFigures } from '../../shared/management/dashboard';
import { PARALLEL_ADDS } from '../../shared/onboarding/pacedAdds';
import { integrationRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

// Onboarding a large followed group at Graph's pace: the simulator enforces a
// subscription write limit stricter than the product's own pace, so the run
// meets 429s and must hold for their Retry-After; every run has a time budget
// (simulated time: the run's waits move the shared clock), leaves the rest to
// the next run, and renews what is due before it adds anyone.
describe('onboarding a 1,000-member group at Graph pace', () => {
  const LIMIT = { writes: 100, windowSeconds: 20 };
  // The host's own timer stays out of the way: Azure never overlaps two runs of a timer
  // function (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#scale-out),
  // and this test runs maintenance itself.
  const host = useTestHost({ simulator: { subscriptionWriteLimit: LIMIT }, timerIntervalMs: 3_600_000 });
  const manage = managementClient(host);
  const GROUP = '9a9a9a9a-0000-4000-8000-00000000b16b';
  const MEMBERS = 1000;
  const RUN_BUDGET_MS = 60_000;

  beforeAll(() => settle(host));

  it('never exceeds the limit, honours its 429s, renews in every run and finishes over several runs', async () => {
    const clock = host.simulator.clock;
    const ids = Array.from(
      { length: MEMBERS },
      (_, i) => `${String(i).padStart(8, '0')}-b16b-4000-8000-000000000000`,
    );
    for (const id of ids)
      host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: GROUP,
      memberIds: [...DEMO_USERS.map((u) => u.id), ...ids],
    });
    await optimisticUpdate(integrationRow(host.runtime.repos.integrations, DEMO_INTEGRATION_ID), (i) => ({
      ...i,
      followGroupId: GROUP,
    }));
    // Waiting moves the one clock Graph, the service and the queue share; parallel waits end together.
    const sleep = async (ms: number) => {
      const until = clock.now().getTime() + ms;
      if (clock.now().getTime() < until) clock.set(new Date(until));
      await new Promise((resolve) => setImmediate(resolve));
    };
    const dueSoon = async () => {
      // The demo users' subscriptions come due before every run: each run must renew them first.
      for (const user of DEMO_USERS) {
        const id = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, user.id))?.value.subscriptionId;
        const record = id ? await host.runtime.repos.subscriptions.get(id) : undefined;
        if (record)
          await host.runtime.repos.subscriptions.upsert({
            ...record,
            expiresAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
          });
      }
    };

    const progress: OnboardingFigures[] = [];
    const startedAt = clock.now().getTime();
    let runs = 0;
    for (; runs < 10; runs++) {
      await dueSoon();
      const report = await runMaintenance({
        ...host.runtime.maintenance(silentLogger),
        runBudgetMs: RUN_BUDGET_MS,
        sleep,
      });
      expect(report.renewed).toBeGreaterThanOrEqual(DEMO_USERS.length);
      expect(report.errors).toEqual([]);
      const dashboard = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`);
      const figures = (dashboard.json as { onboarding: OnboardingFigures }).onboarding;
      progress.push(figures);
      if (figures.finishedAt) break;
      // The next timer run, a quarter hour later.
      clock.advance(15 * 60_000);
    }
    await settle(host);

    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users).toHaveLength(MEMBERS + DEMO_USERS.length);
    expect(users.every((u) => u.subscriptionId)).toBe(true);
    // One subscription per member, none created twice.
    expect(host.simulator.listSubscriptions()).toHaveLength(MEMBERS + DEMO_USERS.length);
    // Several runs: one run's budget holds ~300 writes at this limit.
    expect(runs).toBeGreaterThanOrEqual(2);

    const writes = host.simulator.subscriptionWrites();
    expect(writes.peakInWindow).toBeLessThanOrEqual(LIMIT.writes);
    // Honoured: after a 429 nothing new starts before its Retry-After, so at most the adds
    // already in flight (and a renewal batch) are refused per window the onboarding spanned.
    const windows = Math.ceil((RUN_BUDGET_MS * (runs + 1)) / (LIMIT.windowSeconds * 1000));
    expect(writes.refused).toBeGreaterThan(0);
    expect(writes.refused).toBeLessThanOrEqual(windows * (PARALLEL_ADDS + 20));

    // Progress moves one way, to done, with an estimate while it runs.
    const done = progress.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({
      done: MEMBERS + DEMO_USERS.length,
      total: MEMBERS + DEMO_USERS.length,
    });
    expect(progress.at(-1)?.finishedAt).toBeDefined();
    expect(progress[0]?.minutesLeft).toBeGreaterThan(0);
    expect(progress.every((p) => p.total === MEMBERS + DEMO_USERS.length)).toBe(true);
    expect(clock.now().getTime()).toBeGreaterThan(startedAt);
  }, 180_000);
});
