// The pieces of issue 17 that exist so far, end to end: a mailbox in a
// Windows zone with Outlook's default work week, a vacation that ends on a
// Friday at 17:00 its time and a 3-week trip, read through the local host
// into the store; the status timeline worked out from the stored rows gives
// the return times a PBX should announce. (Sending it as `user.status` is a
// later part.)

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { userStatusTimeline } from '../../shared/domain/userStatus';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { settle, useTestHost } from '../support/localHostHarness';

const USER = { id: '00000000-0000-4000-8000-0000000000b1', mail: 'on.leave@contoso.example' };
const DAY_MS = 24 * 3_600_000;

/** The next Friday at least two days ahead, as a YYYY-MM-DD date. */
function comingFriday(nowMs: number): string {
  const day = new Date(nowMs + 2 * DAY_MS);
  while (day.getUTCDay() !== 5) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

describe('status from what the store holds', () => {
  const host = useTestHost();
  beforeAll(() => settle(host));

  it('returns on Monday at the start of work after a Friday that ends at 17:00, and keeps a long trip’s real end', async () => {
    host.simulator.addUser(DEMO_TENANT.id, {
      id: USER.id,
      userPrincipalName: USER.mail,
      mail: USER.mail,
      // Exchange's name for Stockholm's zone; Outlook's default work week in it.
      timeZone: 'W. Europe Standard Time',
    });
    const now = host.runtime.now().getTime();
    const friday = comingFriday(now);
    host.simulator.createEvent(USER.id, {
      subject: 'Vacation',
      showAs: 'oof',
      start: { dateTime: `${friday}T09:00:00`, timeZone: 'W. Europe Standard Time' },
      end: { dateTime: `${friday}T17:00:00`, timeZone: 'W. Europe Standard Time' },
    });
    const tripStart = new Date(Date.parse(`${friday}T00:00:00Z`) + 7 * DAY_MS).toISOString().slice(0, 10);
    const tripEnd = new Date(Date.parse(`${friday}T00:00:00Z`) + 28 * DAY_MS).toISOString().slice(0, 10);
    host.simulator.createEvent(USER.id, {
      subject: 'Trip',
      showAs: 'oof',
      start: { dateTime: `${tripStart}T08:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${tripEnd}T12:00:00`, timeZone: 'UTC' },
    });
    const added = await addUser(DEMO_INTEGRATION_ID, USER.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);

    const user = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, USER.id, { fresh: true }))?.value;
    expect(user?.workingHours?.start).toBe('08:00');
    const absences = await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, USER.id);
    expect(absences).toHaveLength(2);

    const timeline = userStatusTimeline(absences, user ?? {}, now, {
      useWorkingHours: true,
      horizonDays: 40,
    });
    const away = timeline.filter((segment) => segment.status === 'away');
    expect(away).toHaveLength(2);
    const [vacation, trip] = away;
    // 17:00 on Friday in Berlin time is 16:00 UTC in winter, 15:00 in summer; Monday 08:00 likewise.
    const monday = new Date(Date.parse(`${friday}T00:00:00Z`) + 3 * DAY_MS).toISOString().slice(0, 10);
    expect(vacation?.until.slice(0, 10)).toBe(friday);
    expect(vacation?.status === 'away' && vacation.returnAt.startsWith(monday)).toBe(true);
    expect(
      vacation?.status === 'away' && ['T06:00', 'T07:00'].includes(vacation.returnAt.slice(10, 16)),
    ).toBe(true);
    // Past the 15-day sync window, the trip still ends when it ends.
    expect(trip?.until).toBe(`${tripEnd}T12:00:00.000Z`);

    // Without working hours the return is the absence's end.
    const plain = userStatusTimeline(absences, user ?? {}, now, { useWorkingHours: false, horizonDays: 40 });
    const first = plain.find((segment) => segment.status === 'away');
    expect(first?.status === 'away' && first.returnAt).toBe(first?.until);
  });
});
