// Leading-edge coalescing on the whole local system: an isolated change is
// read at once instead of at the end of its SYNC_COALESCE_SECONDS bucket, a
// burst costs at most two delta rounds (the leading one and the bucket's
// follow-up), and a change made after the leading round has read is picked up
// by the follow-up. Times are compared with the bucket's edges, not with a
// wall-clock budget.

import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { calendarScenario } from '../support/calendarScenario';
import { addDemoUsers, seededRandom, settle, useTestHost } from '../support/localHostHarness';

const WINDOW_MS = 2_000;

describe('leading-edge coalescing', () => {
  const deltaRounds: { at: number; userId: string }[] = [];
  // No maintenance run: its catch-ups would add delta rounds of their own.
  const host = useTestHost({
    coalesceSeconds: WINDOW_MS / 1000,
    timerIntervalMs: 3_600_000,
    onGraphRequest: (_method, url) => {
      // A round's first request starts from the stored delta link; later pages carry a skip token.
      const round = /users\/([^/]+)\/calendarView\/delta/.exec(url);
      if (round?.[1] && !url.includes('skiptoken')) {
        deltaRounds.push({ at: Date.now(), userId: decodeURIComponent(round[1]) });
      }
    },
  });
  let userIds: string[];

  beforeAll(async () => {
    userIds = await addDemoUsers(host, 3, 400);
    await settle(host);
  });

  /** Waits for the next bucket to begin, so a test's changes fall early in one bucket; answers its end. */
  async function startOfBucket(): Promise<number> {
    const now = host.runtime.now().getTime();
    const start = Math.ceil((now + 1) / WINDOW_MS) * WINDOW_MS + 20;
    await new Promise((resolve) => setTimeout(resolve, start - now));
    return start - 20 + WINDOW_MS;
  }

  const roundsOf = (userId: string, since: number) =>
    deltaRounds.filter((round) => round.userId === userId && round.at >= since);

  const oofEvent = (hoursAhead: number) => {
    const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + hoursAhead * 3_600_000);
    const shape = (d: Date) => ({ dateTime: d.toISOString().replace('Z', ''), timeZone: 'UTC' });
    return {
      subject: 'Leading edge',
      showAs: 'oof' as const,
      start: shape(start),
      end: shape(new Date(start.getTime() + 3_600_000)),
    };
  };

  it('reads an isolated change at once and the PBX has it well before the bucket ends', async () => {
    const userId = userIds[0]!;
    const bucketEnd = await startOfBucket();
    const changedAt = Date.now();
    const created = host.simulator.createEvent(userId, oofEvent(30));
    await host.sink!.waitFor((sink) => sink.state().has(absenceIdFor(created.id)), 10_000);
    const applied = Date.now();

    const [first] = roundsOf(userId, changedAt);
    expect(first).toBeDefined();
    // Coalescing at the bucket's end would start the round at bucketEnd at the earliest.
    expect(first!.at).toBeLessThan(bucketEnd - WINDOW_MS / 2);
    expect(applied).toBeLessThan(bucketEnd);
    await settle(host);
  });

  it('costs at most two delta rounds for a burst, and the PBX ends with every change', async () => {
    const userId = userIds[1]!;
    const scenario = calendarScenario(host, () => [userId], seededRandom(20261202), {
      horizonHours: 72,
      privateShare: 0,
      showAs: ['oof', 'busy', 'free'],
      minEvents: 4,
    });
    const bucketEnd = await startOfBucket();
    const since = Date.now();
    for (let i = 0; i < 12; i++) scenario.change();
    // The burst fits in one bucket (the third delta round of a burst over a bucket's end is by design).
    expect(Date.now()).toBeLessThan(bucketEnd);
    await settle(host);

    const rounds = roundsOf(userId, since);
    expect(rounds.length).toBeGreaterThanOrEqual(1);
    expect(rounds.length).toBeLessThanOrEqual(2);
    expect(scenario.pbxState(new Set(['user401@contoso.example']))).toEqual(scenario.expected());
    expect(scenario.expected().size).toBeGreaterThan(0);
  });

  it('picks up a change made after the leading round has read, in the follow-up at the end of the bucket', async () => {
    const userId = userIds[2]!;
    const bucketEnd = await startOfBucket();
    const since = Date.now();
    const first = host.simulator.createEvent(userId, oofEvent(40));
    await host.sink!.waitFor((sink) => sink.state().has(absenceIdFor(first.id)), 10_000);
    // The leading round has read and delivered; this change's own leading message is the same id, spent.
    expect(Date.now()).toBeLessThan(bucketEnd);
    const second = host.simulator.createEvent(userId, oofEvent(44));
    await host.sink!.waitFor((sink) => sink.state().has(absenceIdFor(second.id)), 10_000);

    const rounds = roundsOf(userId, since);
    expect(rounds).toHaveLength(2);
    expect(rounds[1]!.at).toBeGreaterThanOrEqual(bucketEnd);
    await settle(host);
    expect(roundsOf(userId, since)).toHaveLength(2);
  });
});
