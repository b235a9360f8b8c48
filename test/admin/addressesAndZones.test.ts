import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

// Real tenants through the management API: a person added by an alias (their
// address is not their sign-in name), and mailboxes whose settings carry
// Windows zone ids and the object-shaped userPurpose, as Exchange sends them.

describe('addresses that are not UPNs, and mailbox time zones', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const usersPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users`;

  const ERIK = {
    id: 'e41c0000-0000-4000-8000-000000000011',
    userPrincipalName: 'eeriksson@contoso.example',
    mail: 'erik@contoso.example',
    aliases: ['erik.eriksson@contoso.example'],
  };
  const HAWAII = {
    id: 'a10a0000-0000-4000-8000-000000000012',
    userPrincipalName: 'kai@contoso.example',
    timeZone: 'Hawaiian Standard Time',
  };
  const PERTH = {
    id: 'be470000-0000-4000-8000-000000000013',
    userPrincipalName: 'olivia@contoso.example',
    timeZone: 'W. Australia Standard Time',
  };
  const TOKYO = {
    id: '70c10000-0000-4000-8000-000000000016',
    userPrincipalName: 'haruto@contoso.example',
    timeZone: 'Tokyo Standard Time',
  };
  const TOKYO_STRING_PURPOSE = {
    id: '70c10000-0000-4000-8000-000000000014',
    userPrincipalName: 'yui@contoso.example',
    timeZone: 'Tokyo Standard Time',
    purposeShape: 'string' as const,
  };
  const MARS = {
    id: '4a250000-0000-4000-8000-000000000015',
    userPrincipalName: 'mark@contoso.example',
    timeZone: 'Mars Standard Time',
  };

  beforeAll(async () => {
    for (const user of [ERIK, HAWAII, PERTH, TOKYO, TOKYO_STRING_PURPOSE, MARS]) {
      host.simulator.addUser(DEMO_TENANT.id, user);
    }
    await settle(host);
  });

  const addByAddress = async (email: string) => manage('POST', usersPath, { body: { email } });

  it('adds a user by an alias: resolved to the object id, stored with the primary address, and synced', async () => {
    const answer = await addByAddress('Erik.Eriksson@contoso.example');
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ id: ERIK.id, email: ERIK.mail, timeZone: 'Europe/Berlin' });
    await settle(host);
    const listed = (await manage('GET', usersPath)).json as Array<{ id: string; status: string }>;
    expect(listed.find((u) => u.id === ERIK.id)).toMatchObject({ status: 'ok' });

    host.simulator.createEvent(ERIK.id, {
      subject: 'Off',
      showAs: 'oof',
      ...hourFromNow(3),
    });
    await settle(host);
    expect(host.sink!.received.map((r) => r.event)).toContainEqual(
      expect.objectContaining({
        type: 'absence.upserted',
        data: expect.objectContaining({ user: expect.objectContaining({ id: ERIK.id, email: ERIK.mail }) }),
      }),
    );
  });

  it('adds a user by the primary address when it is not the UPN', async () => {
    // Already added by its alias above: the same object id answers, no second user.
    const answer = await addByAddress(ERIK.mail);
    expect(answer.json).toMatchObject({ id: ERIK.id });
    const listed = (await manage('GET', usersPath)).json as Array<{ id: string }>;
    expect(listed.filter((u) => u.id === ERIK.id)).toHaveLength(1);
  });

  // A day inside the sync window; neither zone has daylight saving time, so midnight is a fixed offset.
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const utcAt = (date: string, hoursFromMidnight: number) =>
    new Date(Date.parse(`${date}T00:00:00Z`) + hoursFromMidnight * 3_600_000).toISOString();

  it.each([
    // Honolulu is UTC−10: its midnight is 10:00 UTC the same day.
    ['Hawaiian Standard Time', HAWAII, 'Pacific/Honolulu', 10],
    // Perth is UTC+8: its midnight is 16:00 UTC the day before.
    ['W. Australia Standard Time', PERTH, 'Australia/Perth', -8],
  ])('places an all-day absence of a mailbox in %s at its own midnight', async (_, user, zone, offset) => {
    const answer = await addByAddress(user.userPrincipalName);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ id: user.id, timeZone: zone });
    await settle(host);
    host.simulator.createEvent(user.id, {
      subject: 'Vacation',
      showAs: 'oof',
      isAllDay: true,
      start: { dateTime: `${day}T00:00:00`, timeZone: user.timeZone },
      end: { dateTime: `${nextDay}T00:00:00`, timeZone: user.timeZone },
    });
    await settle(host);
    const upserts = host.sink!.received.filter(
      (r) => r.event.type === 'absence.upserted' && r.event.data.user.id === user.id,
    );
    expect(upserts.at(-1)?.event.data).toMatchObject({
      absence: { start: utcAt(day, offset), end: utcAt(nextDay, offset) },
    });
  });

  it.each([
    ['the object {"value":"user"} (the default)', TOKYO],
    ['a plain string', TOKYO_STRING_PURPOSE],
  ])('keeps the mailbox zone when userPurpose comes as %s', async (_, user) => {
    const answer = await addByAddress(user.userPrincipalName);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ id: user.id, timeZone: 'Asia/Tokyo' });
    await settle(host);
  });

  it('falls back to DEFAULT_TIME_ZONE for a zone nobody knows, and says so', async () => {
    const answer = await addByAddress(MARS.userPrincipalName);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ id: MARS.id, timeZone: 'Europe/Stockholm' });
    const warning = host.logs.find((line) => line.includes('mailbox time zone not recognised'));
    expect(warning).toContain('Mars Standard Time');
    await settle(host);
  });
});
