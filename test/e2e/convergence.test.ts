import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { addDemoUsers, seededRandom, settle, startTestHost } from '../support/localHostHarness';

const HOUR = 3_600_000;

interface ModelEvent {
  userId: string;
  showAs: 'busy' | 'oof' | 'free' | 'tentative';
  isPrivate: boolean;
  start: number;
  end: number;
}

/**
 * Notifications are hints: with a share of them lost, or Graph throttling and
 * expiring delta tokens, the maintenance run's catch-up must still bring the
 * PBX to exactly the absences the calendars say.
 */
describe('convergence without reliable notifications', () => {
  let host: Awaited<ReturnType<typeof startTestHost>>;
  let userIds: string[];
  const model = new Map<string, ModelEvent>();
  const random = seededRandom(20261125);

  beforeAll(async () => {
    host = await startTestHost();
    userIds = await addDemoUsers(host, 17, 100);
    userIds.push(
      ...(await host.runtime.repos.users.listByIntegration('demo'))
        .map((u) => u.id)
        .filter((id) => !userIds.includes(id)),
    );
    await settle(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const graphTime = (ms: number) => ({
    dateTime: new Date(ms).toISOString().replace('Z', ''),
    timeZone: 'UTC',
  });

  /** One random calendar change, applied to the simulator and to our model of what the PBX should end with. */
  function change(): void {
    const base = host.runtime.now().getTime();
    const ids = [...model.keys()];
    const kind = ids.length < 10 ? 'create' : pick(['create', 'create', 'update', 'update', 'delete']);
    if (kind === 'create') {
      const userId = pick(userIds);
      const start = Math.floor((base + (2 + random() * 96) * HOUR) / HOUR) * HOUR;
      const event = {
        userId,
        showAs: pick(['busy', 'oof', 'free', 'tentative'] as const),
        isPrivate: random() < 0.15,
        start,
        end: start + (1 + Math.floor(random() * 3)) * HOUR,
      };
      const created = host.simulator.createEvent(userId, {
        subject: 'Scenario',
        showAs: event.showAs,
        sensitivity: event.isPrivate ? 'private' : 'normal',
        start: graphTime(event.start),
        end: graphTime(event.end),
      });
      model.set(created.id, event);
    } else if (kind === 'update') {
      const id = pick(ids);
      const event = model.get(id)!;
      const shift = (Math.floor(random() * 5) - 2) * HOUR;
      const updated = { ...event, start: event.start + shift + 3 * HOUR, end: event.end + shift + 3 * HOUR };
      updated.showAs = random() < 0.3 ? pick(['busy', 'oof', 'free'] as const) : event.showAs;
      host.simulator.updateEvent(event.userId, id, {
        showAs: updated.showAs,
        start: graphTime(updated.start),
        end: graphTime(updated.end),
      });
      model.set(id, updated);
    } else {
      const id = pick(ids);
      host.simulator.deleteEvent(model.get(id)!.userId, id);
      model.delete(id);
    }
  }

  /** What availability-default makes of the model: Busy and Out of office, not private. */
  function expected(): Map<string, { start: string; end: string; reason: string }> {
    const wanted = new Map<string, { start: string; end: string; reason: string }>();
    for (const [id, event] of model) {
      if (event.isPrivate || (event.showAs !== 'busy' && event.showAs !== 'oof')) continue;
      wanted.set(absenceIdFor(id), {
        start: new Date(event.start).toISOString(),
        end: new Date(event.end).toISOString(),
        reason: event.showAs === 'oof' ? 'out-of-office' : 'busy',
      });
    }
    return wanted;
  }

  function pbxState(): Map<string, { start: string; end: string; reason: string }> {
    return new Map(
      [...host.sink!.state()].map(([id, a]) => [id, { start: a.start, end: a.end, reason: a.reason.code }]),
    );
  }

  async function catchUpRun(): Promise<void> {
    host.simulator.clock.advance((host.runtime.config.CATCH_UP_MINUTES + 1) * 60_000);
    await host.runTimer('maintenance');
    await settle(host);
  }

  it('200 changes over 20 users with 30 % of notifications dropped: exact after one maintenance run', async () => {
    expect(userIds).toHaveLength(20);
    host.simulator.faults.dropNotificationFraction(0.3, 7);
    // Changes arrive over time, ten at a time, each burst synced before the next.
    for (let i = 0; i < 200; i++) {
      change();
      if (i % 10 === 9) await settle(host);
    }
    const dropped = host.simulator.faults.droppedNotifications();
    expect(dropped).toBeGreaterThan(20);
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
