// Call-centre booking end to end on the local host: the call centre's key
// (never the operator's), free slots around meetings and working hours in
// two zones, a booking that becomes the person's appointment in Graph (the
// simulator) and an absence at the PBX by the rules, moved and cancelled,
// idempotent by its client key, 409 for a slot taken meanwhile, 403 and no
// Graph write for a mailbox outside the booking group, and the OpenAPI
// document checked by an independent validator.
import { enableBooking } from '../../dev/localHost/bookingSeed';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { bookingTransactionId } from '../../shared/booking/bookingRecord';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { utcInstantOf, wallClockAt } from '../../shared/domain/rules/zonedTime';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { newBookingId } from '../../shared/storage/bookingEntity';
import { managementClient } from '../admin/managementClient';
import { graphAs, settle, useTestHost } from '../support/localHostHarness';
import { validateOpenApi } from '../support/openApiValidation';

const GROUP = 'f1e1d000-0000-4000-8000-00000000f1e1';
const [ALICE, BOB, CAROL] = DEMO_USERS;
const DAN = {
  id: 'da0c0de0-0000-4000-8000-000000000004',
  userPrincipalName: 'dan@contoso.example',
  mail: 'dan@contoso.example',
  displayName: 'Dan Dawson',
};
const HOUR = 3_600_000;

/** The next Monday, 1 to 7 days ahead (inside the 14-day sync window), 00:00 UTC. */
function nextMonday(): number {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysToMonday = (8 - new Date(today).getUTCDay()) % 7 || 7;
  return today + daysToMonday * 24 * HOUR;
}

const iso = (ms: number) => new Date(ms).toISOString();
const STOCKHOLM = 'Europe/Stockholm';
const NEW_YORK = 'America/New_York';
/** That Monday at `hour` on the zone's clock, as an instant: the test holds in summer time too. */
function localHour(monday: number, zone: string, hour: number): number {
  const date = new Date(monday);
  return utcInstantOf(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour,
      minute: 0,
      second: 0,
      millisecond: 0,
    },
    zone,
  );
}
const graphTime = (ms: number) => ({ dateTime: iso(ms).replace('Z', ''), timeZone: 'UTC' });

describe('call-centre booking', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const monday = nextMonday();
  let key = '';

  const booking = async (method: string, path: string, body?: unknown, bearer = key) => {
    const response = await fetch(`${host.url}/api/booking/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  };
  const eventsOf = async (userId: string) => {
    const graph = await graphAs(host);
    const page = await graph.call(
      'GET',
      `/users/${userId}/calendarView/delta?startDateTime=${iso(monday)}&endDateTime=${iso(monday + 24 * HOUR)}`,
    );
    return page.value as { id: string; subject: string; start: { dateTime: string } }[];
  };
  const pbxState = () => host.sink!.state();

  beforeAll(async () => {
    await settle(host);
    // Dan works 09:00–17:00 in New York, the others 08:00–17:00 in Stockholm (the simulator's default).
    host.simulator.addUser(DEMO_TENANT.id, {
      ...DAN,
      timeZone: 'Eastern Standard Time',
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '09:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: 'Eastern Standard Time' },
      },
    });
    const added = await addUser(DEMO_INTEGRATION_ID, DAN.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    // The Exchange admin's part: the group, and Application Calendars.ReadWrite scoped to it (no Entra write consent).
    host.simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: [ALICE.id, BOB.id, DAN.id] });
    host.simulator.setEventWriteAccess(DEMO_TENANT.id, { scope: { groupId: GROUP } });
    // The operator's part (the management routes do the same): booking on for the group, a key minted.
    key = await enableBooking(host.runtime, DEMO_INTEGRATION_ID, GROUP);
    // Meetings around which the slots must fall: Alice 10–11 and Bob out 07–12 in Stockholm, Dan 10–11 in New York.
    host.simulator.createEvent(ALICE.id, {
      subject: 'Team meeting',
      showAs: 'busy',
      start: graphTime(localHour(monday, STOCKHOLM, 10)),
      end: graphTime(localHour(monday, STOCKHOLM, 11)),
    });
    host.simulator.createEvent(BOB.id, {
      subject: 'Dentist',
      showAs: 'oof',
      start: graphTime(localHour(monday, STOCKHOLM, 7)),
      end: graphTime(localHour(monday, STOCKHOLM, 12)),
    });
    host.simulator.createEvent(DAN.id, {
      subject: 'Standup',
      showAs: 'busy',
      start: graphTime(localHour(monday, NEW_YORK, 10)),
      end: graphTime(localHour(monday, NEW_YORK, 11)),
    });
    await settle(host);
  });

  it('finds the free hours of three people around their meetings, inside working hours in two zones', async () => {
    const answer = await booking('POST', 'free-time', {
      users: [ALICE.mail, BOB.mail, DAN.mail],
      start: iso(monday),
      end: iso(monday + 24 * HOUR),
      durationMinutes: 60,
      stepMinutes: 60,
    });
    expect(answer.status).toBe(200);
    // Slot starts on each person's own clock.
    const hours = (user: string, zone: string) =>
      (answer.json.users as { user: string; slots: { start: string }[] }[])
        .find((u) => u.user === user)!
        .slots.map((slot) => wallClockAt(Date.parse(slot.start), zone).hour);
    // Stockholm: work 08–17, Alice's meeting 10–11.
    expect(hours(ALICE.mail, STOCKHOLM)).toEqual([8, 9, 11, 12, 13, 14, 15, 16]);
    // Bob is out until 12.
    expect(hours(BOB.mail, STOCKHOLM)).toEqual([12, 13, 14, 15, 16]);
    // New York: work 09–17, the standup 10–11; the same period of the query holds all of it.
    expect(hours(DAN.mail, NEW_YORK)).toEqual([9, 11, 12, 13, 14, 15, 16]);
    expect(JSON.stringify(answer.json)).not.toMatch(/Team meeting|Dentist|Standup/);
  });

  let bookingId = '';
  const request = {
    user: ALICE.mail,
    subject: 'Service visit: heat pump',
    timeZone: 'Europe/Stockholm',
    location: 'Storgatan 1',
    note: 'Customer 4711, ring twice',
    callerReference: 'T-4711',
    clientKey: 'call-2026-0001',
  };

  it('books an appointment that appears in the calendar and reaches the PBX as an absence', async () => {
    const answer = await booking('POST', 'bookings', {
      ...request,
      start: iso(monday + 7 * HOUR),
      end: iso(monday + 8 * HOUR),
    });
    expect(answer.status).toBe(201);
    bookingId = answer.json.booking.bookingId;
    expect(answer.json.booking).toMatchObject({
      user: ALICE.mail,
      state: 'booked',
      callerReference: 'T-4711',
    });
    const booked = (await eventsOf(ALICE.id)).filter((event) => event.subject === request.subject);
    expect(booked).toHaveLength(1);
    await settle(host);
    const absence = pbxState().get(absenceIdFor(booked[0]!.id));
    expect(absence).toMatchObject({ start: iso(monday + 7 * HOUR), end: iso(monday + 8 * HOUR) });
  });

  it('creates nothing new when the same booking request is sent again', async () => {
    const again = await booking('POST', 'bookings', {
      ...request,
      start: iso(monday + 7 * HOUR),
      end: iso(monday + 8 * HOUR),
    });
    expect(again.status).toBe(200);
    expect(again.json.booking.bookingId).toBe(bookingId);
    expect((await eventsOf(ALICE.id)).filter((event) => event.subject === request.subject)).toHaveLength(1);
    const reused = await booking('POST', 'bookings', {
      ...request,
      start: iso(monday + 12 * HOUR),
      end: iso(monday + 13 * HOUR),
    });
    expect(reused.status).toBe(409);
    expect(reused.json.error).toContain('clientKey');
  });

  it('moves the booking, and the PBX hears the new time', async () => {
    const moved = await booking('PATCH', `bookings/${bookingId}`, {
      start: iso(monday + 12 * HOUR),
      end: iso(monday + 13 * HOUR),
      timeZone: 'Europe/Stockholm',
    });
    expect(moved.status).toBe(200);
    expect(moved.json.booking).toMatchObject({ state: 'moved', start: iso(monday + 12 * HOUR) });
    await settle(host);
    const [event] = (await eventsOf(ALICE.id)).filter((e) => e.subject === request.subject);
    expect(pbxState().get(absenceIdFor(event!.id))).toMatchObject({ start: iso(monday + 12 * HOUR) });
  });

  it('cancels the booking: gone from the calendar and deleted at the PBX', async () => {
    const [event] = (await eventsOf(ALICE.id)).filter((e) => e.subject === request.subject);
    const cancelled = await booking('DELETE', `bookings/${bookingId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.booking.state).toBe('cancelled');
    expect((await eventsOf(ALICE.id)).map((e) => e.subject)).not.toContain(request.subject);
    await settle(host);
    expect(pbxState().has(absenceIdFor(event!.id))).toBe(false);
  });

  it('answers 409 for a slot taken between the free-time answer and the booking, writing nothing', async () => {
    const free = await booking('POST', 'free-time', {
      users: [BOB.mail],
      start: iso(monday + 14 * HOUR),
      end: iso(monday + 15 * HOUR),
      durationMinutes: 60,
    });
    expect(free.json.users[0].slots).toEqual([
      { start: iso(monday + 14 * HOUR), end: iso(monday + 15 * HOUR) },
    ]);
    host.simulator.createEvent(BOB.id, {
      subject: 'Booked by Bob himself',
      showAs: 'busy',
      start: graphTime(monday + 14 * HOUR),
      end: graphTime(monday + 15 * HOUR),
    });
    host.simulator.requests.reset();
    const taken = await booking('POST', 'bookings', {
      ...request,
      user: BOB.mail,
      clientKey: 'call-2026-0002',
      start: iso(monday + 14 * HOUR),
      end: iso(monday + 15 * HOUR),
    });
    expect(taken.status).toBe(409);
    expect(host.simulator.requests.count({ method: 'POST', pathIncludes: '/events' })).toBe(0);
  });

  it('takes over the appointment of an earlier create whose answer was lost, instead of calling its slot taken', async () => {
    const clientKey = 'call-2026-lost-answer';
    const start = localHour(monday, STOCKHOLM, 16);
    // What a crash between Graph's 201 and our booking row leaves behind: the appointment, made with our transactionId.
    const graph = await graphAs(host);
    const left = await graph.call('POST', `/users/${ALICE.id}/events`, {
      subject: 'Service visit: lost answer',
      showAs: 'busy',
      start: graphTime(start),
      end: graphTime(start + HOUR),
      transactionId: bookingTransactionId(DEMO_INTEGRATION_ID, clientKey),
    });
    host.simulator.requests.reset();
    const retried = await booking('POST', 'bookings', {
      ...request,
      subject: 'Service visit: lost answer',
      clientKey,
      start: iso(start),
      end: iso(start + HOUR),
    });
    expect(retried.status).toBe(201);
    expect(host.simulator.requests.count({ method: 'POST', pathIncludes: '/events' })).toBe(0);
    const stored = await host.runtime.repos.bookings.findByClientKey(DEMO_INTEGRATION_ID, clientKey);
    expect(stored?.value.graphEventId).toBe(left.id);
    // Someone else's appointment in a slot stays a taken slot.
    const other = await booking('POST', 'bookings', {
      ...request,
      clientKey: 'call-2026-other-key',
      start: iso(start),
      end: iso(start + HOUR),
    });
    expect(other.status).toBe(409);
  });

  it('refuses a mailbox outside the booking group with a reason, and never tries the write', async () => {
    host.simulator.requests.reset();
    const refused = await booking('POST', 'bookings', {
      ...request,
      user: CAROL.mail,
      clientKey: 'call-2026-0003',
      start: iso(monday + 13 * HOUR),
      end: iso(monday + 14 * HOUR),
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toContain('not in the booking group');
    expect(host.simulator.requests.count({ method: 'POST', pathIncludes: '/events' })).toBe(0);
    const free = await booking('POST', 'free-time', {
      users: [CAROL.mail],
      start: iso(monday),
      end: iso(monday + 24 * HOUR),
      durationMinutes: 30,
    });
    expect(free.json.users).toEqual([
      { user: CAROL.mail, kind: 'refused', reason: expect.stringContaining('booking group') },
    ]);
  });

  it('lists the bookings with where they stand in Outlook, a deletion there included', async () => {
    const made = await booking('POST', 'bookings', {
      ...request,
      user: DAN.mail,
      clientKey: 'call-2026-0004',
      timeZone: 'America/New_York',
      start: iso(monday + 17 * HOUR),
      end: iso(monday + 18 * HOUR),
    });
    expect(made.status).toBe(201);
    const [event] = (await eventsOf(DAN.id)).filter((e) => e.subject === request.subject);
    host.simulator.deleteEvent(DAN.id, event!.id);
    // A booking that is over is not asked about again.
    const lastWeek = Date.now() - 7 * 24 * HOUR;
    await host.runtime.repos.bookings.create({
      integrationId: DEMO_INTEGRATION_ID,
      bookingId: newBookingId(new Date(lastWeek)),
      userId: BOB.id,
      mailbox: BOB.mail,
      clientKey: 'call-2026-last-week',
      graphEventId: 'event-of-last-week',
      transactionId: 'tx-last-week',
      subject: 'Last week’s visit',
      start: iso(lastWeek),
      end: iso(lastWeek + HOUR),
      state: 'booked',
      createdAt: iso(lastWeek),
      updatedAt: iso(lastWeek),
    });
    host.simulator.requests.reset();
    const list = await booking('GET', 'bookings?limit=10');
    expect(host.simulator.requests.count({ method: 'GET', pathIncludes: 'event-of-last-week' })).toBe(0);
    expect(host.simulator.requests.count({ method: 'GET', pathIncludes: '/events/' })).toBeGreaterThan(0);
    expect(list.status).toBe(200);
    const states = Object.fromEntries(
      (list.json.bookings as { bookingId: string; state: string }[]).map((b) => [b.bookingId, b.state]),
    );
    expect(states[made.json.booking.bookingId]).toBe('goneInOutlook');
    expect(states[bookingId]).toBe('cancelled');
    expect(JSON.stringify(list.json)).not.toContain('ring twice');
  });

  it('keeps a booking log of who asked what and how it went, without the key or the note', async () => {
    const log = await host.runtime.repos.bookingLog.listRecent(DEMO_INTEGRATION_ID, 50);
    const results = log.map((entry) => `${entry.action}:${entry.result}`);
    expect(results).toEqual(
      expect.arrayContaining([
        'freeTime:done',
        'book:done',
        'book:replayed',
        'move:done',
        'cancel:done',
        'book:slotTaken',
        'book:outsideGroup',
      ]),
    );
    expect(new Set(log.map((entry) => entry.credential))).toEqual(new Set(['current']));
    // Each book, move and cancel of a group member names whose calendar it touched.
    const touched = log.filter((entry) => entry.action !== 'freeTime' && entry.result !== 'outsideGroup');
    expect(touched.every((entry) => entry.userId !== undefined)).toBe(true);
    const stored = JSON.stringify(log);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain('ring twice');
    expect(host.logs.join('\n')).not.toContain(key);
  });

  it('keeps the two keys apart: the booking key opens no management route, the operator key no booking route', async () => {
    const asOperatorRoute = await fetch(`${host.url}/api/manage/integrations`, {
      headers: { authorization: `Bearer ${key}`, 'x-functions-key': key },
    });
    expect(asOperatorRoute.status).toBe(401);
    const withFunctionKey = await fetch(`${host.url}/api/booking/v1/bookings`, {
      headers: { 'x-functions-key': host.functionKey, authorization: `Bearer ${host.functionKey}` },
    });
    expect(withFunctionKey.status).toBe(401);
    expect((await manage('GET', 'manage/integrations')).status).toBe(200);
  });

  it('answers bad input with 400 and the field, and a wrong key with 401', async () => {
    const bad = await booking('POST', 'bookings', { ...request, start: 'tomorrow', end: iso(monday) });
    expect(bad.status).toBe(400);
    expect(bad.json.path).toBe('start');
    const backwards = await booking('POST', 'free-time', {
      users: [ALICE.mail],
      start: iso(monday + HOUR),
      end: iso(monday),
      durationMinutes: 30,
    });
    expect(backwards).toMatchObject({ status: 400, json: { path: 'end' } });
    const yesterday = Date.now() - 24 * HOUR;
    const past = await booking('POST', 'bookings', {
      ...request,
      clientKey: 'call-2026-past',
      start: iso(yesterday),
      end: iso(yesterday + HOUR),
    });
    expect(past).toMatchObject({
      status: 400,
      json: { path: 'start', error: 'start must not be in the past' },
    });
    expect((await booking('GET', 'bookings', undefined, `${key.slice(0, -2)}xx`)).status).toBe(401);
    expect((await booking('DELETE', 'bookings/not-a-booking-id')).status).toBe(404);
  });

  it('limits the rate of one key, answering 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < host.runtime.config.BOOKING_RATE_BURST + 5; i++) {
      const answer = await booking('POST', 'free-time', { users: [] });
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter ??= answer.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(new Set(statuses)).toEqual(new Set([400, 429]));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('publishes an OpenAPI document that an independent validator accepts', async () => {
    const response = await fetch(`${host.url}/api/booking/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { paths: Record<string, unknown> };
    const verdict = await validateOpenApi(doc);
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/booking/v1/free-time',
        '/booking/v1/bookings',
        '/booking/v1/bookings/{bookingId}',
      ]),
    );
  });
});
