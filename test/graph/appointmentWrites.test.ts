// Booking writes through the real Graph SDK to the simulator over HTTP, with
// the tenant's writes the app's own: no write permission consented in Entra
// ID, only an RBAC for Applications write assignment over the field-staff
// group, as docs/microsoft-365-admin.md sets booking up.

import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import {
  type AppointmentInput,
  cancelAppointment,
  createAppointment,
  findAppointmentByTransaction,
  moveAppointment,
  readAppointment,
} from '../../shared/graph/appointmentWrites';
import { createGraphClient } from '../../shared/graph/graphClient';
import { accessToken, graphClient, TENANT } from '../simulator/simulatorClient';

const FIELD_STAFF = 'field-staff';

describe('appointments written to field staff calendars through Graph', () => {
  let sim: GraphSimulator;
  /** A fresh token per client, so a permission change in a test applies to it. */
  const clientWith = async () => {
    const token = await accessToken(sim);
    return createGraphClient({ baseUrl: sim.url, tenantId: TENANT.id, tokens: async () => token });
  };
  const booking = (transactionId: string): AppointmentInput => ({
    subject: 'Service visit: boiler',
    start: Date.parse('2026-12-07T13:00:00Z'),
    end: Date.parse('2026-12-07T14:00:00Z'),
    timeZone: 'Europe/Stockholm',
    location: 'Storgatan 1, Uppsala',
    note: 'Ring the bell twice.',
    transactionId,
  });
  /** What Graph itself shows of a mailbox over the booking day: every event's id and subject. */
  const calendarOf = async (userId: string) => {
    const client = graphClient(sim, await accessToken(sim));
    const page = (await client
      .api(`/users/${userId}/calendarView/delta`)
      .header('Prefer', 'odata.maxpagesize=50')
      .query({ startDateTime: '2026-12-07T00:00:00Z', endDateTime: '2026-12-08T00:00:00Z' })
      .get()) as { value: Array<{ id: string; subject?: string; start: { dateTime: string } }> };
    return page.value;
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'erik', userPrincipalName: 'erik@contoso.example' });
    sim.addUser(TENANT.id, { id: 'olle', userPrincipalName: 'olle@contoso.example' });
    sim.setGroup(TENANT.id, { id: FIELD_STAFF, memberIds: ['erik'] });
    await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
    sim.setEventWriteAccess(TENANT.id, { scope: { groupId: FIELD_STAFF } });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => sim.requests.reset());

  it('creates one appointment however often the same transactionId is sent', async () => {
    const client = await clientWith();
    const first = await createAppointment(client, 'erik@contoso.example', booking('call-1'));
    const again = await createAppointment(client, 'erik@contoso.example', booking('call-1'));

    expect(first).toMatchObject({ kind: 'created', eventId: expect.any(String) });
    expect(again).toEqual(first);
    const calendar = await calendarOf('erik');
    expect(calendar.filter((event) => event.subject === 'Service visit: boiler')).toHaveLength(1);
    // Written in Stockholm time, read back as the same instant.
    if (first.kind !== 'created') throw new Error('not created');
    expect(await readAppointment(client, 'erik@contoso.example', first.eventId)).toMatchObject({
      kind: 'exists',
      start: Date.parse('2026-12-07T13:00:00Z'),
      end: Date.parse('2026-12-07T14:00:00Z'),
      isCancelled: false,
    });
  });

  it('refuses a mailbox outside the write scope and writes nothing there', async () => {
    const client = await clientWith();
    const before = await calendarOf('olle');
    sim.requests.reset();

    const outcome = await createAppointment(client, 'olle@contoso.example', booking('call-2'));

    expect(outcome).toEqual({ kind: 'refused', code: 'ErrorAccessDenied' });
    expect(sim.requests.count({ method: 'POST', pathIncludes: '/events', succeeded: true })).toBe(0);
    expect(sim.requests.count({ method: 'POST', pathIncludes: '/events', succeeded: false })).toBe(1);
    expect(await calendarOf('olle')).toEqual(before);
  });

  it('moves and cancels an appointment, and then reports it gone', async () => {
    const client = await clientWith();
    const created = await createAppointment(client, 'erik', booking('call-3'));
    if (created.kind !== 'created') throw new Error(`not created: ${created.kind}`);

    const moved = await moveAppointment(client, 'erik', created.eventId, {
      start: Date.parse('2026-12-07T15:00:00Z'),
      end: Date.parse('2026-12-07T16:30:00Z'),
      timeZone: 'Europe/Stockholm',
    });
    expect(moved).toMatchObject({ kind: 'moved', changeKey: expect.any(String) });
    expect(moved).not.toMatchObject({ changeKey: created.changeKey });
    expect(await readAppointment(client, 'erik', created.eventId)).toMatchObject({
      kind: 'exists',
      start: Date.parse('2026-12-07T15:00:00Z'),
      end: Date.parse('2026-12-07T16:30:00Z'),
    });

    expect(await cancelAppointment(client, 'erik', created.eventId)).toEqual({ kind: 'cancelled' });
    expect(await readAppointment(client, 'erik', created.eventId)).toEqual({
      kind: 'gone',
      code: 'ErrorItemNotFound',
    });
    expect(await cancelAppointment(client, 'erik', created.eventId)).toMatchObject({ kind: 'gone' });
    expect((await calendarOf('erik')).map((event) => event.id)).not.toContain(created.eventId);
  });

  it('refuses every write once the RBAC write assignment is gone, and still reads the appointment', async () => {
    const client = await clientWith();
    const created = await createAppointment(client, 'erik', booking('call-4'));
    if (created.kind !== 'created') throw new Error(`not created: ${created.kind}`);
    // The Exchange admin removes the role assignment: no write grant is left anywhere.
    sim.setEventWriteAccess(TENANT.id, {});
    try {
      const readOnly = await clientWith();
      sim.requests.reset();
      expect(await createAppointment(readOnly, 'erik', booking('call-5'))).toEqual({
        kind: 'refused',
        code: 'ErrorAccessDenied',
      });
      const times = { start: Date.parse('2026-12-07T08:00:00Z'), end: Date.parse('2026-12-07T09:00:00Z') };
      expect(
        await moveAppointment(readOnly, 'erik', created.eventId, { ...times, timeZone: 'UTC' }),
      ).toMatchObject({
        kind: 'refused',
      });
      expect(await cancelAppointment(readOnly, 'erik', created.eventId)).toMatchObject({ kind: 'refused' });
      expect(sim.requests.count({ succeeded: true })).toBe(0);
      // Reading it back needs only Calendars.Read: it is still where it was booked.
      expect(await readAppointment(readOnly, 'erik', created.eventId)).toMatchObject({
        kind: 'exists',
        start: Date.parse('2026-12-07T13:00:00Z'),
      });
    } finally {
      sim.setEventWriteAccess(TENANT.id, { scope: { groupId: FIELD_STAFF } });
    }
  });

  it('finds an appointment by its transactionId in a slot, past the first page of the calendar view', async () => {
    const slot = { start: Date.parse('2026-12-08T09:00:00Z'), end: Date.parse('2026-12-08T10:00:00Z') };
    const at = (ms: number) => ({ dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' });
    for (let i = 0; i < 55; i++) {
      sim.createEvent('erik', { subject: `Other ${i}`, start: at(slot.start), end: at(slot.end) });
    }
    const ours = sim.createEvent('erik', {
      subject: 'Ours',
      start: at(slot.start),
      end: at(slot.end),
      transactionId: 'tx-ours',
    });
    const client = await clientWith();
    sim.requests.reset();
    expect(await findAppointmentByTransaction(client, sim.url, 'erik', slot, 'tx-ours')).toBe(ours.id);
    expect(sim.requests.count({ method: 'GET', pathIncludes: '/calendarView' })).toBe(2);
    expect(await findAppointmentByTransaction(client, sim.url, 'erik', slot, 'tx-none')).toBeUndefined();
  });

  it('says how long to wait when Graph throttles a write', async () => {
    sim.faults.failRequestsAtRandom({
      throttleFraction: 1,
      unavailableFraction: 0,
      retryAfterSeconds: 11,
      pathIncludes: '/events',
    });
    try {
      expect(await createAppointment(await clientWith(), 'erik', booking('call-6'))).toEqual({
        kind: 'throttled',
        retryAfterSeconds: 11,
      });
    } finally {
      sim.faults.clear();
    }
  });
});
