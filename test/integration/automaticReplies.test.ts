// Outlook's automatic replies as an absence, end to end: the simulator's
// mailbox settings read through the real Graph SDK, the rules' automaticReplies
// row, the diff and the webhooks to the PBX sink, on Azurite. Graph sends no
// notification when a reply is turned on or off, so the maintenance run and
// the syncs notice it by asking (docs/rules.md, "Outlook automatic replies").

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { automaticRepliesEventId } from '../../shared/domain/automaticReplies';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { managementClient } from '../admin/managementClient';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

const [, BOB, CAROL] = DEMO_USERS;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const utc = (at: Date) => ({ dateTime: at.toISOString().replace('Z', ''), timeZone: 'UTC' });
const replyOf = (userId: string) => absenceIdFor(automaticRepliesEventId(userId));

describe('Outlook automatic replies', () => {
  const host = useTestHost();
  beforeAll(() => settle(host));

  const now = () => host.simulator.clock.now().getTime();
  const tomorrowAt = (hours: number) => new Date(Math.ceil(now() / DAY) * DAY + hours * HOUR);
  const settingsReads = () => host.simulator.requests.count({ pathIncludes: 'automaticRepliesSetting' });
  const shown = (userId: string) => host.sink!.state().get(replyOf(userId));
  const maintenance = async () => {
    await host.runTimer('maintenance');
    await settle(host);
  };
  /** An edit in the calendar: Graph notifies, and the user's resumed sync runs. */
  const calendarChange = async (userId: string) => {
    const start = tomorrowAt(40);
    host.simulator.createEvent(userId, {
      subject: 'Free slot',
      showAs: 'free',
      start: utc(start),
      end: utc(new Date(start.getTime() + HOUR)),
    });
    await settle(host);
  };

  it('scheduled for tomorrow: the maintenance run finds it without any notification, and the PBX gets the absence', async () => {
    const start = tomorrowAt(8);
    const end = tomorrowAt(17);
    host.simulator.setAutomaticReplies(ALICE.id, {
      status: 'scheduled',
      scheduledStartDateTime: utc(start),
      scheduledEndDateTime: utc(end),
    });
    const notifications = host.simulator.notifications().length;
    await maintenance();
    expect(host.simulator.notifications()).toHaveLength(notifications);
    expect(shown(ALICE.id)).toMatchObject({
      start: start.toISOString(),
      end: end.toISOString(),
      reason: { code: 'out-of-office', name: 'Out of office' },
      callHandling: 'information',
      userEmail: ALICE.mail,
    });
    expect(shown(ALICE.id)).not.toHaveProperty('subject');
    const upserts = host.sink!.received.filter(
      (w) => w.event.type === 'absence.upserted' && w.event.data.absence.id === replyOf(ALICE.id),
    );
    expect(upserts).toHaveLength(1);
  });

  it("is read again by a user's sync once the last read is older than the max age, and not before", async () => {
    const end = tomorrowAt(19);
    host.simulator.setAutomaticReplies(ALICE.id, { scheduledEndDateTime: utc(end) });
    host.simulator.requests.reset();
    await calendarChange(ALICE.id);
    // Read a moment ago by the sync the maintenance run queued: this sync does not ask again.
    expect(settingsReads()).toBe(0);
    expect(shown(ALICE.id)?.end).toBe(tomorrowAt(17).toISOString());

    // Past AUTOMATIC_REPLIES_MAX_AGE_MINUTES (60 by default).
    host.simulator.clock.advance(61 * MINUTE);
    await calendarChange(ALICE.id);
    expect(settingsReads()).toBe(1);
    expect(shown(ALICE.id)).toMatchObject({ start: tomorrowAt(8).toISOString(), end: end.toISOString() });
  });

  it('turned off: the absence is deleted at the PBX, under the same id', async () => {
    const id = replyOf(ALICE.id);
    const version = shown(ALICE.id)?.version ?? 0;
    host.simulator.setAutomaticReplies(ALICE.id, { status: 'disabled' });
    await maintenance();
    expect(shown(ALICE.id)).toBeUndefined();
    const deleted = host.sink!.received.filter(
      (w) => w.event.type === 'absence.deleted' && w.event.data.absence.id === id,
    );
    expect(deleted).toHaveLength(1);
    expect(deleted[0]?.event.data.absence.version).toBeGreaterThan(version);
  });

  it("scheduled in a Windows zone: the times are the mailbox's wall clock, converted to UTC", async () => {
    const day = tomorrowAt(0).toISOString().slice(0, 10);
    const next = new Date(tomorrowAt(24)).toISOString().slice(0, 10);
    host.simulator.setAutomaticReplies(BOB.id, {
      status: 'scheduled',
      scheduledStartDateTime: { dateTime: `${day}T08:00:00.0000000`, timeZone: 'W. Europe Standard Time' },
      scheduledEndDateTime: { dateTime: `${next}T17:30:00.0000000`, timeZone: 'W. Europe Standard Time' },
    });
    await maintenance();
    const absence = shown(BOB.id);
    const berlin = (iso: string | undefined) =>
      new Intl.DateTimeFormat('sv-SE', {
        timeZone: 'Europe/Berlin',
        dateStyle: 'short',
        timeStyle: 'short',
      }).format(new Date(iso ?? Number.NaN));
    expect(berlin(absence?.start)).toBe(`${day} 08:00`);
    expect(berlin(absence?.end)).toBe(`${next} 17:30`);
    // Not read as UTC: Stockholm and Berlin are an hour or two ahead of it.
    expect(absence?.start).not.toBe(`${day}T08:00:00.000Z`);
  });

  it('always on: from when it was first seen to the end of the sync window, the end moving with the window', async () => {
    const before = now();
    host.simulator.setAutomaticReplies(CAROL.id, { status: 'alwaysEnabled' });
    await maintenance();
    const first = shown(CAROL.id);
    const windowEnd = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, CAROL.id, { fresh: true }))
      ?.value.window?.end;
    expect(first?.end).toBe(windowEnd);
    expect(Date.parse(first?.start ?? '')).toBeGreaterThanOrEqual(before);
    expect(Date.parse(first?.start ?? '')).toBeLessThanOrEqual(now());

    host.simulator.clock.advance(DAY);
    await maintenance();
    const later = shown(CAROL.id);
    expect(later).toMatchObject({
      start: first?.start,
      end: new Date(Date.parse(windowEnd ?? '') + DAY).toISOString(),
    });
    expect(later?.version).toBeGreaterThan(first?.version ?? 0);
  });

  it('a user added with a reply on: the settings read when adding answer the first sync, which asks nothing more', async () => {
    const id = '00000000-0000-4000-8000-0000000000b1';
    const start = tomorrowAt(9);
    const end = tomorrowAt(33);
    host.simulator.addUser(DEMO_TENANT.id, {
      id,
      userPrincipalName: 'away.already@contoso.example',
      automaticReplies: {
        status: 'scheduled',
        scheduledStartDateTime: utc(start),
        scheduledEndDateTime: utc(end),
        externalAudience: 'all',
        internalReplyMessage: 'Away',
        externalReplyMessage: 'Away',
      },
    });
    host.simulator.requests.reset();
    const added = await addUser(
      DEMO_INTEGRATION_ID,
      'away.already@contoso.example',
      host.runtime.onboarding(silentLogger),
    );
    expect(added.kind).toBe('added');
    await settle(host);
    expect(shown(id)).toMatchObject({ start: start.toISOString(), end: end.toISOString() });
    expect(host.simulator.requests.count({ pathIncludes: '/mailboxSettings' })).toBe(1);
    expect(settingsReads()).toBe(0);
  });

  it('with the rules row off: no absence, and no mailbox is asked', async () => {
    const rules = presetRuleSet('availability-default');
    rules.automaticReplies = { sync: false, callHandling: 'information' };
    const answer = await managementClient(host)('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: rules,
    });
    expect(answer.status).toBe(200);
    await settle(host);
    // The resync of the rules change withdraws what the row had made.
    expect(shown(BOB.id)).toBeUndefined();
    expect(shown(CAROL.id)).toBeUndefined();

    host.simulator.requests.reset();
    host.simulator.setAutomaticReplies(ALICE.id, {
      status: 'scheduled',
      scheduledStartDateTime: utc(tomorrowAt(8)),
      scheduledEndDateTime: utc(tomorrowAt(17)),
    });
    host.simulator.clock.advance(61 * MINUTE);
    await maintenance();
    await calendarChange(ALICE.id);
    expect(shown(ALICE.id)).toBeUndefined();
    expect(settingsReads()).toBe(0);
  });
});
