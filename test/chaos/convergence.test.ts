// Issue 9: everything that can go wrong at once. Graph loses, repeats, delays
// and reorders notifications and answers 429/503 at random; the PBX fails at
// random and is down for a while; sync workers die after queuing their
// webhooks but before saving what they did. Once the weather clears and one
// maintenance run has caught up, the PBX must show exactly what the calendars
// say; the last changes are never notified, so that run surely has work to
// do. `CHAOS_SCALE=10 npx jest test/chaos` runs ten times the changes and
// users; `CHAOS_SEED=n` another pattern of faults.

import type { QueueSender } from '../../shared/queue/queuePort';
import type { Repositories } from '../../shared/storage/repositories';
import { calendarScenario } from '../support/calendarScenario';
import { addDemoUsers, seededRandom, settle, useTestHost } from '../support/localHostHarness';

const SCALE = Math.max(1, Number(process.env.CHAOS_SCALE ?? 1));
const USERS = 5 + 3 * SCALE;
const CHANGES = 60 * SCALE;
// Every random choice derives from this; a failing run replays with its seed.
const SEED = Number(process.env.CHAOS_SEED ?? 92026);
const TIMEOUT_MS = 30_000 * SCALE;
// Compressed retry schedule (the real one spans a day); 30 attempts outlast any run of bad luck here.
const SCHEDULE = ['0', '0.05', '0.1', ...Array.from({ length: 27 }, () => '0.2')].join(',');

/**
 * A worker that dies halfway: saving absences, queuing their webhooks or
 * saving the delta link throws with a seeded probability, after the steps
 * before it were done.
 */
function crashHalfway(repos: Repositories, queue: QueueSender, chance: number, seed: number) {
  const random = seededRandom(seed);
  const state = { enabled: true, crashes: 0 };
  const crash = (where: string) => {
    if (!state.enabled || random() >= chance) return;
    state.crashes++;
    throw new Error(`chaos: worker died before ${where}`);
  };
  const upsertMany = repos.absences.upsertMany.bind(repos.absences);
  repos.absences.upsertMany = async (rows) => {
    crash('saving absences');
    await upsertMany(rows);
  };
  const send = queue.send.bind(queue);
  queue.send = async (name, messages) => {
    if (name === 'deliveries') crash('queuing webhooks');
    return send(name, messages);
  };
  const update = repos.users.update.bind(repos.users);
  repos.users.update = async (record, etag) => {
    crash('saving the delta link');
    return update(record, etag);
  };
  return state;
}

describe('convergence under chaos', () => {
  const host = useTestHost({ settings: { PBX_RETRY_SCHEDULE_SECONDS: SCHEDULE } });
  let userIds: string[];
  const random = seededRandom(SEED);
  let scenario: ReturnType<typeof calendarScenario>;
  const change = (forced?: 'busy') => scenario.change(forced);

  beforeAll(async () => {
    userIds = await addDemoUsers(host, USERS - 3, 900);
    userIds.push(...(await host.runtime.repos.users.listByIntegration('demo')).map((u) => u.id));
    userIds = [...new Set(userIds)];
    scenario = calendarScenario(host, () => userIds, random, {
      horizonHours: 120,
      privateShare: 0.2,
      showAs: ['busy', 'oof', 'free'],
      minEvents: USERS,
    });
    await settle(host);
  }, TIMEOUT_MS);

  it(
    'the PBX ends with exactly the expected absences',
    async () => {
      const sink = host.sink!;
      const faults = host.simulator.faults;
      faults.dropNotificationFraction(0.2, SEED + 1);
      faults.disorderNotifications({ maxDelayMs: 40, duplicateFraction: 0.3, seed: SEED + 2 });
      faults.failRequestsAtRandom({
        throttleFraction: 0.08,
        unavailableFraction: 0.06,
        retryAfterSeconds: 1,
        seed: SEED + 3,
      });
      sink.setBehaviour({ failFraction: 0.3, failWith: { status: 503 }, seed: SEED + 4 });
      const workers = crashHalfway(host.runtime.repos, host.runtime.queue, 0.12, SEED + 5);

      for (let i = 0; i < CHANGES; i++) {
        change();
        if (i % 10 === 9) await settle(host);
      }
      // The PBX goes down while a burst is synced, and comes back after turning away a few webhooks.
      // (Its notifications all get through, so the outage surely meets a webhook.)
      faults.dropNotificationFraction(0);
      sink.setBehaviour({ down: true });
      change('busy');
      for (let i = 0; i < 9; i++) change();
      await host.simulator.flushNotifications();
      await sink.waitFor((s) => s.dropped >= 3, 20_000);
      sink.setBehaviour({ down: false, failFraction: 0.3, failWith: { status: 503 }, seed: SEED + 6 });
      faults.dropNotificationFraction(0.2, SEED + 7);
      for (let i = 0; i < 10; i++) change();
      await settle(host);
      await settle(host);
      const injected = faults.injected();

      // The weather clears; one maintenance run past the catch-up interval repairs what notifications missed.
      faults.clear();
      sink.setBehaviour({ failFraction: 0 });
      workers.enabled = false;
      // The last changes are never notified, so the PBX is surely behind and only the catch-up can repair it.
      faults.dropNotificationFraction(1);
      for (let i = 0; i < 3; i++) change('busy');
      await settle(host);
      faults.dropNotificationFraction(0);
      expect(scenario.pbxState()).not.toEqual(scenario.expected());
      host.simulator.clock.advance((host.runtime.config.CATCH_UP_MINUTES + 1) * 60_000);
      await host.runTimer('maintenance');
      await settle(host);

      const want = scenario.expected();
      const shown = scenario.pbxState();
      console.log(
        [
          `chaos: ${CHANGES + 23} changes over ${userIds.length} users (CHAOS_SCALE=${SCALE}, CHAOS_SEED=${SEED})`,
          `notifications: ${injected.droppedNotifications} dropped, ${injected.duplicatedNotifications} duplicated, ${injected.delayedNotifications} delayed 0-40 ms (reordered)`,
          `graph: ${injected.throttled} × 429, ${injected.unavailable} × 503`,
          `pbx: ${sink.failedOnPurpose} × 503, ${sink.dropped} connections dropped while down, ${sink.duplicates} redeliveries ignored`,
          `workers: ${workers.crashes} died halfway (before saving absences, queuing webhooks or saving the delta link)`,
          `checked: PBX shows ${shown.size} absences, expected ${want.size}; ${sink.rejected} unverified webhooks`,
        ].join('\n'),
      );

      expect(shown).toEqual(want);
      expect(want.size).toBeGreaterThan(0);
      expect(sink.rejected).toBe(0);
      expect(sink.malformed).toBe(0);
      expect(host.queue.deadLetters('deliveries')).toEqual([]);
      // The chaos really happened.
      expect(injected.droppedNotifications).toBeGreaterThan(0);
      expect(injected.duplicatedNotifications).toBeGreaterThan(0);
      expect(injected.throttled + injected.unavailable).toBeGreaterThan(0);
      expect(sink.failedOnPurpose).toBeGreaterThan(0);
      expect(sink.dropped).toBeGreaterThanOrEqual(3);
      expect(workers.crashes).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
