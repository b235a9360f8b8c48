import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import type { OnboardingFigures } from '../../shared/management/dashboard';
import { PARALLEL_ADDS } from '../../shared/onboarding/pacedAdds';
import { provisionIntegration } from '../../shared/onboarding/userProvisioning';
import type { UserRepository } from '../../shared/storage/repositories';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { writePace } from '../../shared/subscriptions/writePace';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

// Provisioning after consent at Graph's pace for subscription writes: the
// simulator refuses writes beyond its limit with 429, as Graph does. The
// consent's addresses are added several at once under a pace kept under that
// limit, so none is refused; a callback whose time is up leaves the rest to
// the maintenance run, and the dashboard shows how far it has come. Time is
// the simulator's clock, moved by the pace's waits.
describe('provisioning after consent at Graph pace', () => {
  const LIMIT = { writes: 50, windowSeconds: 20 };
  // Graph counts a write when it arrives, the pace when its add starts; when the simulated clock
  // jumps a window ahead, the adds still on their way (at most PARALLEL_ADDS) arrive in the next one.
  const PACE = { writes: LIMIT.writes - PARALLEL_ADDS, windowMs: 20_000 };
  const host = useTestHost({ simulator: { subscriptionWriteLimit: LIMIT }, timerIntervalMs: 3_600_000 });
  const manage = managementClient(host);

  // Waiting moves the one clock Graph, the service and the queue share. The target is taken at
  // the call, when the pace measured its wait, so adds waiting together end together.
  const sleep = async (ms: number) => {
    const clock = host.simulator.clock;
    const until = clock.now().getTime() + ms;
    await new Promise((resolve) => setImmediate(resolve));
    if (clock.now().getTime() < until) clock.set(new Date(until));
  };
  const paceFor = (budgetMs: number) =>
    writePace({
      ...PACE,
      deadline: host.simulator.clock.now().getTime() + budgetMs,
      now: () => host.simulator.clock.now(),
      sleep,
    });

  /** An integration granted for the demo tenant with `count` addresses waiting for consent. */
  async function integrationWithAddresses(id: string, tag: string, count: number): Promise<string[]> {
    const addresses = Array.from({ length: count }, (_, i) => {
      const userId = `${String(i).padStart(8, '0')}-c0c0-4000-8000-${tag.padStart(12, '0')}`;
      host.simulator.addUser(DEMO_TENANT.id, { id: userId, userPrincipalName: `${id}-${i}@contoso.example` });
      return `${id}-${i}@contoso.example`;
    });
    const created = await manage('POST', 'manage/integrations', {
      body: { id, name: `Provisioned ${id}`, pbxUrl: 'https://pbx.example/hook', users: addresses },
    });
    expect(created.status).toBe(201);
    // Consent itself is another suite's subject: here the integration is simply granted.
    // Its webhooks (each first sync's snapshot) go to the host's PBX sink, signed as the demo's.
    const demo = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))!.value;
    const stored = await host.runtime.repos.integrations.get(id);
    await host.runtime.repos.integrations.update(
      {
        ...stored!.value,
        consentState: 'granted',
        tenantId: DEMO_TENANT.id,
        pbxUrl: demo.pbxUrl,
        pbxSecretName: demo.pbxSecretName,
      },
      stored!.etag,
    );
    return addresses;
  }

  /** The users repository, counting adds in flight: from the existing-user read to the row's write. */
  function countingUsers(users: UserRepository) {
    let inFlight = 0;
    const counted = { peak: 0 };
    const observed: UserRepository = {
      ...users,
      get: async (...args) => {
        inFlight++;
        counted.peak = Math.max(counted.peak, inFlight);
        return users.get(...args);
      },
      upsert: async (record) => {
        try {
          return await users.upsert(record);
        } finally {
          inFlight--;
        }
      },
    };
    return { observed, counted };
  }

  async function onboardingOf(id: string): Promise<OnboardingFigures | undefined> {
    const dashboard = await manage('GET', `manage/integrations/${id}/dashboard`);
    return (dashboard.json as { onboarding?: OnboardingFigures }).onboarding;
  }

  it('adds every address several at once, at the pace, with no write refused', async () => {
    const N = 150;
    await integrationWithAddresses('pace', 'a1', N);
    const before = host.simulator.subscriptionWrites();
    const startedAt = host.simulator.clock.now().getTime();
    const deps = host.runtime.onboarding(silentLogger);
    const { observed, counted } = countingUsers(deps.repos.users);

    const report = await provisionIntegration(
      'pace',
      { ...deps, repos: { ...deps.repos, users: observed } },
      paceFor(3_600_000),
    );

    expect(report).toMatchObject({ added: N, refused: 0, left: 0 });
    const writes = host.simulator.subscriptionWrites();
    expect(writes.refused - before.refused).toBe(0);
    expect(writes.accepted - before.accepted).toBe(N);
    expect(writes.peakInWindow).toBeLessThanOrEqual(LIMIT.writes);
    // In parallel, as many as the workers: one at a time would be 1.
    expect(counted.peak).toBeGreaterThan(1);
    expect(counted.peak).toBeLessThanOrEqual(PARALLEL_ADDS);
    // At the pace: N writes at PACE.writes per 20 s span at least the windows they fill, on Graph's clock.
    const elapsed = host.simulator.clock.now().getTime() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(Math.floor((N - 1) / PACE.writes) * PACE.windowMs);

    const users = await host.runtime.repos.users.listByIntegration('pace');
    expect(users).toHaveLength(N);
    expect(users.every((u) => u.subscriptionId)).toBe(true);
    expect((await host.runtime.repos.integrations.get('pace'))?.value.pendingUsers).toBeUndefined();
    expect(await onboardingOf('pace')).toMatchObject({ done: N, total: N, refused: 0 });
    expect((await onboardingOf('pace'))?.finishedAt).toBeDefined();
    await settle(host);
  }, 120_000);

  it('stops at the callback deadline; the maintenance run goes on and the dashboard shows the progress', async () => {
    const M = 100;
    // Past the first test's writes, so this one starts with an empty window.
    host.simulator.clock.advance(60_000);
    await integrationWithAddresses('later', 'b2', M);
    // 30 s at PACE.writes per 20 s: the windows starting at 0 and 20 s, then the deadline.
    const report = await provisionIntegration(
      'later',
      host.runtime.onboarding(silentLogger),
      paceFor(30_000),
    );
    expect(report).toMatchObject({ added: 2 * PACE.writes, refused: 0, left: M - 2 * PACE.writes });
    const pending = (await host.runtime.repos.integrations.get('later'))?.value.pendingUsers ?? [];
    expect(pending).toHaveLength(M - 2 * PACE.writes);
    expect(pending.every((p) => p.problem === undefined)).toBe(true);
    const halfway = await onboardingOf('later');
    expect(halfway).toMatchObject({ done: 2 * PACE.writes, total: M, refused: 0 });
    expect(halfway?.finishedAt).toBeUndefined();
    expect(halfway?.minutesLeft).toBeGreaterThan(0);

    const maintain = () =>
      runMaintenance({
        ...host.runtime.maintenance(silentLogger),
        runBudgetMs: 120_000,
        subscriptionWrites: PACE,
        sleep,
      });
    // A run right after the callback leaves the addresses alone: the callback may still be adding them.
    expect((await maintain()).errors).toEqual([]);
    expect((await host.runtime.repos.integrations.get('later'))?.value.pendingUsers).toHaveLength(
      M - 2 * PACE.writes,
    );

    // The next timer run, a quarter hour later, adds the rest.
    host.simulator.clock.advance(15 * 60_000);
    expect((await maintain()).errors).toEqual([]);
    const users = await host.runtime.repos.users.listByIntegration('later');
    expect(users).toHaveLength(M);
    expect(users.every((u) => u.subscriptionId)).toBe(true);
    expect((await host.runtime.repos.integrations.get('later'))?.value.pendingUsers).toBeUndefined();
    const done = await onboardingOf('later');
    expect(done).toMatchObject({ done: M, total: M, refused: 0 });
    expect(done?.finishedAt).toBeDefined();
    expect(host.simulator.subscriptionWrites().refused).toBe(0);
    await settle(host);
  }, 120_000);
});
