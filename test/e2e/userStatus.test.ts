// Issue 17's status, end to end on the local host: calendar entries in the
// Graph simulator, read by the real sync, sent as `user.status` (and inside
// snapshots) to the PBX sink, which verifies every webhook with the
// standardwebhooks package and keeps each user's status by version, as the
// contract says a PBX should. Time moves on the simulator's clock, which the
// local queue follows, so the status ticks at each `until` run as in Azure.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { utcInstantOf, type WallClock, wallClockAt } from '../../shared/domain/rules/zonedTime';
import { addUser } from '../../shared/onboarding/userProvisioning';
import type { PbxStatus } from '../../shared/pbx/pbxEvent';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

const ZONE = 'Europe/Berlin';
const WINDOWS_ZONE = 'W. Europe Standard Time';
const DAY_MS = 24 * 3_600_000;

/** The first day at least `aheadDays` on whose weekday (0 Sunday … 6 Saturday) is in `weekdays`. */
function dayAhead(nowMs: number, aheadDays: number, weekdays: readonly number[]): WallClock {
  let ms = nowMs + aheadDays * DAY_MS;
  for (;;) {
    const wall = wallClockAt(ms, ZONE);
    if (weekdays.includes(new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay())) return wall;
    ms += DAY_MS;
  }
}

const ymd = (day: WallClock) =>
  `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
/** The instant of `hh:mm` on `day` in Berlin, as the webhooks spell instants. */
const at = (day: WallClock, hour: number, minute = 0) =>
  new Date(utcInstantOf({ ...day, hour, minute, second: 0, millisecond: 0 }, ZONE)).toISOString();
/** An entry's time as Outlook writes it: the wall clock and the mailbox's Windows zone. */
const local = (day: WallClock, hour: number, minute = 0) => ({
  dateTime: `${ymd(day)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00`,
  timeZone: WINDOWS_ZONE,
});

describe('user.status end to end', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  let next = 0;

  /** A new mailbox in the Windows zone with Outlook's default work week, added to the demo integration. */
  async function newUser(entries: (userId: string) => void): Promise<string> {
    next += 1;
    const id = `00000000-0000-4000-8000-0000000001${String(next).padStart(2, '0')}`;
    const mail = `status.${next}@contoso.example`;
    host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: mail, mail, timeZone: WINDOWS_ZONE });
    entries(id);
    const added = await addUser(DEMO_INTEGRATION_ID, mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);
    return id;
  }

  function held(userId: string): PbxStatus {
    const status = host.sink?.statusOf(userId);
    if (!status) throw new Error(`the PBX holds no status for ${userId}`);
    return status;
  }

  beforeAll(async () => {
    await settle(host);
    // Lunch by its trigger word, meetings as busy, out of office: all divert calls; out of office
    // outranks the rest by priority, so an all-day out-of-office day hides a lunch inside it.
    const rules = presetRuleSet('availability-default');
    rules.availability.busy = { sync: true, reasonCode: 'meeting', callHandling: 'diversion' };
    rules.availability.oof = { sync: true, reasonCode: 'out-of-office', callHandling: 'diversion' };
    rules.triggers = [{ phrase: 'lunch', reasonCode: 'lunch', callHandling: 'diversion' }];
    rules.status = {
      ...rules.status,
      precedence: { ...rules.status.precedence, reasonPriority: { 'out-of-office': 10 } },
    };
    const saved = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, { body: rules });
    expect(saved.status).toBe(200);
    await settle(host);
  });

  it('chains lunch into a meeting: one return at 14:00, told before, at the start and between', async () => {
    const day = dayAhead(host.runtime.now().getTime(), 1, [1, 2, 3, 4]);
    const userId = await newUser((id) => {
      host.simulator.createEvent(id, {
        subject: 'Lunch',
        showAs: 'busy',
        start: local(day, 11, 30),
        end: local(day, 12, 30),
      });
      host.simulator.createEvent(id, {
        subject: 'Planning',
        showAs: 'busy',
        start: local(day, 12, 30),
        end: local(day, 14),
      });
    });
    // The first sync's snapshot carries the status: available now, lunch next, back at 14:00.
    expect(host.sink?.snapshots.some((s) => s.event.data.user.id === userId && s.event.data.status)).toBe(
      true,
    );
    expect(held(userId).current).toMatchObject({ status: 'available', until: at(day, 11, 30) });
    expect(held(userId).next).toMatchObject({
      status: 'away',
      reason: { code: 'lunch' },
      callHandling: 'diversion',
      until: at(day, 12, 30),
      returnAt: at(day, 14),
    });

    // 11:31: the tick at 11:30 sent the lunch as current, still back at 14:00.
    const before = host.sink?.statuses.length ?? 0;
    host.simulator.clock.set(new Date(Date.parse(at(day, 11, 31))));
    await settle(host);
    expect(held(userId).current).toMatchObject({
      status: 'away',
      reason: { code: 'lunch' },
      returnAt: at(day, 14),
    });
    expect(held(userId).next).toMatchObject({
      status: 'away',
      reason: { code: 'meeting' },
      returnAt: at(day, 14),
    });
    expect(held(userId).announcement.text).toMatch(/^Lunch, back \w+ \d+ \w+ at 14:00$/);

    // 12:31: the meeting, and the same return; 14:01: available, nothing planned.
    host.simulator.clock.set(new Date(Date.parse(at(day, 12, 31))));
    await settle(host);
    expect(held(userId).current).toMatchObject({
      status: 'away',
      reason: { code: 'meeting' },
      returnAt: at(day, 14),
    });
    host.simulator.clock.set(new Date(Date.parse(at(day, 14, 1))));
    await settle(host);
    expect(held(userId).current).toEqual(expect.objectContaining({ status: 'available', until: null }));
    expect(held(userId).next).toBeNull();
    const told = (host.sink?.statuses ?? []).slice(before).filter((w) => w.event.data.user.id === userId);
    expect(told).toHaveLength(3);
  });

  it('lets an all-day out-of-office entry win over a lunch inside it, by the priority in the rules', async () => {
    const day = dayAhead(host.runtime.now().getTime(), 1, [1, 2, 3, 4]);
    const after = dayAhead(Date.parse(at(day, 12)), 1, [0, 1, 2, 3, 4, 5, 6]);
    const userId = await newUser((id) => {
      host.simulator.createEvent(id, {
        subject: 'Lunch',
        showAs: 'busy',
        start: local(day, 11, 30),
        end: local(day, 12, 30),
      });
      host.simulator.createEvent(id, {
        subject: 'Conference',
        showAs: 'oof',
        isAllDay: true,
        start: { dateTime: `${ymd(day)}T00:00:00`, timeZone: WINDOWS_ZONE },
        end: { dateTime: `${ymd(after)}T00:00:00`, timeZone: WINDOWS_ZONE },
      });
    });
    host.simulator.clock.set(new Date(Date.parse(at(day, 11, 45))));
    await settle(host);
    // Without the priority the later start (the lunch) would win here.
    expect(held(userId).current).toMatchObject({ status: 'away', reason: { code: 'out-of-office' } });
    // The all-day entry ends at midnight; the next start of work is 08:00 on the next working day.
    const nextWorkday = dayAhead(Date.parse(at(after, 12)), 0, [1, 2, 3, 4, 5]);
    expect(held(userId).current).toMatchObject({ returnAt: at(nextWorkday, 8) });
  });

  it('returns on Monday at 08:00 in the mailbox’s zone after a vacation that ends on Friday at 17:00', async () => {
    const friday = dayAhead(host.runtime.now().getTime(), 1, [5]);
    const monday = dayAhead(Date.parse(at(friday, 12)), 1, [1]);
    const userId = await newUser((id) => {
      host.simulator.createEvent(id, {
        subject: 'Vacation',
        showAs: 'oof',
        start: local(friday, 9),
        end: local(friday, 17),
      });
    });
    expect(held(userId).next).toMatchObject({
      status: 'away',
      until: at(friday, 17),
      returnAt: at(monday, 8),
    });

    // Per integration: without working hours the return is the vacation's end.
    const rules = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value
      .ruleSet;
    const saved = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: { ...rules, status: { ...rules?.status, useWorkingHours: false } },
    });
    expect(saved.status).toBe(200);
    await settle(host);
    expect(held(userId).next).toMatchObject({ returnAt: at(friday, 17) });
    await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, { body: rules });
    await settle(host);
  });

  it('keeps the real end of a 3-week vacation, past the sync window', async () => {
    const start = dayAhead(host.runtime.now().getTime(), 2, [1]);
    const end = dayAhead(Date.parse(at(start, 12)) + 20 * DAY_MS, 0, [1]);
    const userId = await newUser((id) => {
      host.simulator.createEvent(id, {
        subject: 'Vacation',
        showAs: 'oof',
        start: local(start, 8),
        end: local(end, 8),
      });
    });
    expect(held(userId).next).toMatchObject({ status: 'away', until: at(end, 8), returnAt: at(end, 8) });
  });

  it('turns an automatic reply scheduled for tomorrow into an absence and a status change at its start', async () => {
    const day = dayAhead(host.runtime.now().getTime(), 1, [1, 2, 3, 4]);
    const userId = await newUser(() => undefined);
    const statusesBefore = host.sink?.statuses.length ?? 0;
    host.simulator.setAutomaticReplies(userId, {
      status: 'scheduled',
      scheduledStartDateTime: local(day, 9),
      scheduledEndDateTime: local(day, 16),
    });
    // No notification comes for mailbox settings: the maintenance run reads them.
    await host.runTimer('maintenance');
    await settle(host);
    const absences = [...(host.sink?.state().values() ?? [])].filter((a) =>
      a.userEmail.startsWith('status.'),
    );
    expect(absences.filter((a) => a.start === at(day, 9) && a.end === at(day, 16))).toHaveLength(1);
    expect(held(userId).next).toMatchObject({
      status: 'away',
      reason: { code: 'out-of-office' },
      until: at(day, 16),
    });

    host.simulator.clock.set(new Date(Date.parse(at(day, 9, 1))));
    await settle(host);
    expect(held(userId).current).toMatchObject({ status: 'away', returnAt: at(day, 16) });
    expect(held(userId).current).not.toHaveProperty('returnUnknown');
    const told = (host.sink?.statuses ?? [])
      .slice(statusesBefore)
      .filter((w) => w.event.data.user.id === userId);
    expect(told.map((w) => w.event.data.status.current.status)).toEqual(['available', 'away']);
  });

  it('says no return time for an automatic reply that is on with no end', async () => {
    const userId = await newUser(() => undefined);
    host.simulator.setAutomaticReplies(userId, { status: 'alwaysEnabled' });
    await host.runTimer('maintenance');
    await settle(host);
    const status = held(userId);
    expect(status.current).toMatchObject({
      status: 'away',
      reason: { code: 'out-of-office' },
      returnUnknown: true,
    });
    // The reason alone: the end of the days we look ahead is no return to announce.
    expect(status.announcement.text).toBe('Out of office');
  });
});
