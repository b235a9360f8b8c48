// Notifications are hints: with a share of them lost, or Graph throttling and
// expiring delta tokens, the maintenance run's catch-up must still bring the
// PBX to exactly the absences the calendars say.

import { calendarScenario } from '../support/calendarScenario';
import { addDemoUsers, seededRandom, settle, useTestHost } from '../support/localHostHarness';

describe('convergence without reliable notifications', () => {
  const host = useTestHost();
  let userIds: string[];
  const random = seededRandom(20261125);
  let scenario: ReturnType<typeof calendarScenario>;

  beforeAll(async () => {
    userIds = await addDemoUsers(host, 17, 100);
    userIds.push(
      ...(await host.runtime.repos.users.listByIntegration('demo'))
        .map((u) => u.id)
        .filter((id) => !userIds.includes(id)),
    );
    scenario = calendarScenario(host, () => userIds, random, {
      horizonHours: 96,
      privateShare: 0.15,
      showAs: ['busy', 'oof', 'free', 'tentative'],
      minEvents: 10,
    });
    await settle(host);
  });

  const change = () => scenario.change();
  const expected = (users?: ReadonlySet<string>) => scenario.expected(users);
  const pbxState = (emails?: ReadonlySet<string>) => scenario.pbxState(emails);

  async function catchUpRun(): Promise<void> {
    host.simulator.clock.advance((host.runtime.config.CATCH_UP_MINUTES + 1) * 60_000);
    await host.runTimer('maintenance');
    await settle(host);
  }

  it('200 changes over 20 users with 30 % of notifications dropped: exact after one maintenance run', async () => {
    expect(userIds).toHaveLength(20);
    const faults = host.simulator.faults;
    faults.dropNotificationFraction(0.3, 7);
    // Whether each user's latest change was notified: the simulator decides while the change is made.
    const lastNotified = new Map<string, boolean>();
    // Changes arrive over time, ten at a time, each burst synced before the next.
    for (let i = 0; i < 200; i++) {
      const droppedBefore = faults.droppedNotifications();
      lastNotified.set(change(), faults.droppedNotifications() === droppedBefore);
      if (i % 10 === 9) await settle(host);
    }
    const dropped = faults.droppedNotifications();
    expect(dropped).toBeGreaterThan(20);
    // The notifications that arrived did the work: a user whose latest change was notified is exact
    // already (its delta round also picked up the changes whose notifications were lost). An intake
    // that answered 202 without queuing would leave them for the catch-up.
    const notified = new Set(userIds.filter((id) => lastNotified.get(id) === true));
    expect(notified.size).toBeGreaterThanOrEqual(5);
    const emails = new Set(
      (await host.runtime.repos.users.listByIntegration('demo'))
        .filter((u) => notified.has(u.id))
        .map((u) => u.email),
    );
    expect(emails.size).toBe(notified.size);
    expect(expected(notified).size).toBeGreaterThan(0);
    expect(pbxState(emails)).toEqual(expected(notified));
    // Lost notifications really left the PBX behind before the catch-up...
    expect(pbxState()).not.toEqual(expected());
    await catchUpRun();
    // ...and one maintenance run later it holds exactly what the calendars say.
    expect(pbxState()).toEqual(expected());
    expect(host.sink!.rejected).toBe(0);
    host.simulator.faults.dropNotificationFraction(0);
  });

  it('429 and 410 from Graph are survived without a lost or duplicated change, and nothing waits on Retry-After', async () => {
    const upsertsBefore = host.sink!.received.length;
    host.simulator.faults.throttleNext(5, { retryAfterSeconds: 1, pathIncludes: 'calendarView/delta' });
    host.simulator.faults.expireDeltaTokens();
    for (let i = 0; i < 30; i++) change();
    await settle(host);
    await catchUpRun();
    expect(pbxState()).toEqual(expected());
    // Every webhook the PBX applied was a new (absence, version): nothing was sent twice.
    const applied = host.sink!.received.slice(upsertsBefore).map((w) => {
      const absence = w.event.data.absence;
      return `${absence.id}@${absence.version}`;
    });
    expect(new Set(applied).size).toBe(applied.length);
    expect(host.sink!.duplicates).toBe(0);
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
    expect(host.logs.join('\n')).toContain('throttled');
  });
});
