// Reading bookable users' free/busy with getSchedule, through the real Graph
// SDK to the simulator over HTTP: meetings and working hours in two zones,
// series expanded, unknown addresses failing alone, and ⌈N / 20⌉ calls.

import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { MAX_SCHEDULES_PER_CALL, readSchedules } from '../../shared/graph/freeBusySchedules';
import { createGraphClient } from '../../shared/graph/graphClient';
import { accessToken, TENANT } from '../simulator/simulatorClient';

const DESK = 'desk@contoso.example';
const ANNA = 'anna@contoso.example';
const BEN = 'ben@contoso.example';
const CARA = 'cara@contoso.example';
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

describe('free/busy of bookable users, read with getSchedule', () => {
  let sim: GraphSimulator;
  const clientWith = async () => {
    const token = await accessToken(sim);
    return createGraphClient({ baseUrl: sim.url, tenantId: TENANT.id, tokens: async () => token });
  };
  // Monday 7 and Tuesday 8 December 2026, in UTC.
  const period = { start: Date.parse('2026-12-07T00:00:00Z'), end: Date.parse('2026-12-09T00:00:00Z') };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'desk', userPrincipalName: DESK });
    // Stockholm, Windows zone as Exchange reports it; Outlook's default work week.
    sim.addUser(TENANT.id, { id: 'anna', userPrincipalName: 'anna.upn@contoso.example', mail: ANNA });
    // Seattle: its own zone and hours.
    sim.addUser(TENANT.id, {
      id: 'ben',
      userPrincipalName: BEN,
      timeZone: 'Pacific Standard Time',
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday'],
        startTime: '09:00:00.0000000',
        endTime: '15:30:00.0000000',
        timeZone: { name: 'Pacific Standard Time' },
      },
    });
    sim.addUser(TENANT.id, { id: 'cara', userPrincipalName: CARA });
    sim.createEvent('anna', {
      subject: 'Customer visit',
      showAs: 'busy',
      start: { dateTime: '2026-12-07T10:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2026-12-07T11:30:00', timeZone: 'W. Europe Standard Time' },
    });
    sim.createEvent('anna', {
      subject: 'Lunch walk',
      showAs: 'free',
      start: { dateTime: '2026-12-07T12:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2026-12-07T13:00:00', timeZone: 'W. Europe Standard Time' },
    });
    sim.createEvent('ben', {
      subject: 'Stand-up',
      showAs: 'tentative',
      start: { dateTime: '2026-12-01T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-12-01T09:30:00', timeZone: 'Pacific Standard Time' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'noEnd', startDate: '2026-12-01' },
      },
    });
    sim.createEvent('cara', {
      subject: 'Vacation',
      showAs: 'oof',
      isAllDay: true,
      start: { dateTime: '2026-12-08T00:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2026-12-09T00:00:00', timeZone: 'W. Europe Standard Time' },
    });
    sim.createEvent('cara', {
      subject: 'Called off',
      showAs: 'busy',
      isCancelled: true,
      start: { dateTime: '2026-12-07T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-07T10:00:00', timeZone: 'UTC' },
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  beforeEach(() => sim.requests.reset());

  it('gives each user the times they are not free, as UTC instants, and their working hours in IANA zones', async () => {
    const readings = await readSchedules(await clientWith(), DESK, [ANNA, BEN, CARA], period, 30);

    expect(readings).toEqual([
      {
        address: ANNA,
        kind: 'read',
        // 10:00-11:30 in Stockholm (UTC+1 in December); the free lunch is not busy time.
        busy: [
          {
            status: 'busy',
            start: Date.parse('2026-12-07T09:00:00Z'),
            end: Date.parse('2026-12-07T10:30:00Z'),
          },
        ],
        workingHours: { daysOfWeek: WEEKDAYS, start: '08:00', end: '17:00', timeZone: 'Europe/Berlin' },
      },
      {
        address: BEN,
        kind: 'read',
        // The daily series, expanded: 09:00 in Seattle is 17:00 UTC (UTC-8).
        busy: [
          {
            status: 'tentative',
            start: Date.parse('2026-12-07T17:00:00Z'),
            end: Date.parse('2026-12-07T17:30:00Z'),
          },
          {
            status: 'tentative',
            start: Date.parse('2026-12-08T17:00:00Z'),
            end: Date.parse('2026-12-08T17:30:00Z'),
          },
        ],
        workingHours: {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday'],
          start: '09:00',
          end: '15:30',
          timeZone: 'America/Los_Angeles',
        },
      },
      {
        address: CARA,
        kind: 'read',
        // The all-day vacation from her midnight; the cancelled meeting is gone.
        busy: [
          {
            status: 'oof',
            start: Date.parse('2026-12-07T23:00:00Z'),
            end: Date.parse('2026-12-08T23:00:00Z'),
          },
        ],
        workingHours: { daysOfWeek: WEEKDAYS, start: '08:00', end: '17:00', timeZone: 'Europe/Berlin' },
      },
    ]);
    expect(sim.requests.count({ method: 'POST', pathIncludes: '/calendar/getSchedule' })).toBe(1);
  });

  it('fails an address the tenant does not know on its own, the others still read', async () => {
    const readings = await readSchedules(await clientWith(), DESK, [ANNA, 'nobody@contoso.example'], period);
    expect(readings[0]).toMatchObject({ address: ANNA, kind: 'read' });
    expect(readings[1]).toEqual({
      address: 'nobody@contoso.example',
      kind: 'failed',
      failure: { kind: 'notFound', code: 'ErrorMailRecipientNotFound' },
    });
  });

  it(`splits N addresses into ⌈N / ${MAX_SCHEDULES_PER_CALL}⌉ calls and keeps their order`, async () => {
    const many = Array.from({ length: 45 }, (_, i) => `staff${i}@contoso.example`);
    for (const [i, address] of many.entries())
      sim.addUser(TENANT.id, { id: `staff${i}`, userPrincipalName: address });
    sim.requests.reset();

    const readings = await readSchedules(await clientWith(), DESK, many, period);

    expect(sim.requests.count({ pathIncludes: '/calendar/getSchedule' })).toBe(Math.ceil(45 / 20));
    expect(readings.map((r) => r.address)).toEqual(many);
    expect(readings.every((r) => r.kind === 'read')).toBe(true);
  });

  it('fails every address of a throttled call with the wait Graph asked for', async () => {
    sim.faults.failRequestsAtRandom({
      throttleFraction: 1,
      unavailableFraction: 0,
      retryAfterSeconds: 7,
      pathIncludes: 'getSchedule',
    });
    try {
      const readings = await readSchedules(await clientWith(), DESK, [ANNA, BEN], period);
      expect(readings.map((r) => (r.kind === 'failed' ? r.failure : r.kind))).toEqual([
        { kind: 'throttled', retryAfterSeconds: 7 },
        { kind: 'throttled', retryAfterSeconds: 7 },
      ]);
    } finally {
      sim.faults.clear();
    }
  });
});
