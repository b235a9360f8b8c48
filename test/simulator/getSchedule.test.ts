// The simulator's getSchedule as Graph documents it: the answer's shape,
// Prefer: outlook.timezone, the availability view, what the owner's sharing
// lets through, the limits, the permission and the RBAC read scope.

import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { accessToken, graphClient, TENANT } from './simulatorClient';

const DAY = { startTime: { dateTime: '2026-12-07T08:00:00', timeZone: 'UTC' } };
const until = (dateTime: string) => ({ endTime: { dateTime, timeZone: 'UTC' } });

describe('graph simulator: getSchedule', () => {
  let sim: GraphSimulator;
  const post = async (body: unknown, prefer?: string) => {
    const request = graphClient(sim, await accessToken(sim)).api(
      '/users/desk@contoso.example/calendar/getSchedule',
    );
    return (await (prefer ? request.header('Prefer', prefer) : request).post(body)) as {
      value: Array<Record<string, unknown>>;
    };
  };
  const failure = async (body: unknown) => {
    try {
      await post(body);
    } catch (error) {
      if (error instanceof GraphError) return { status: error.statusCode, code: error.code };
      throw error;
    }
    throw new Error('expected a refusal');
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'desk', userPrincipalName: 'desk@contoso.example' });
    sim.addUser(TENANT.id, {
      id: 'open',
      userPrincipalName: 'open@contoso.example',
      calendarSharing: 'limitedDetails',
    });
    sim.addUser(TENANT.id, { id: 'closed', userPrincipalName: 'closed@contoso.example' });
    for (const user of ['open', 'closed']) {
      sim.createEvent(user, {
        subject: 'Planning',
        showAs: 'busy',
        location: { displayName: 'Room 4' },
        start: { dateTime: '2026-12-07T09:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-12-07T10:00:00', timeZone: 'UTC' },
      });
      sim.createEvent(user, {
        subject: 'Doctor',
        showAs: 'oof',
        sensitivity: 'private',
        start: { dateTime: '2026-12-07T09:30:00', timeZone: 'UTC' },
        end: { dateTime: '2026-12-07T11:00:00', timeZone: 'UTC' },
      });
    }
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('answers scheduleInformation per address, items in the Prefer zone, with the merged availability view', async () => {
    const answer = await post(
      {
        schedules: ['open@contoso.example'],
        ...DAY,
        ...until('2026-12-07T12:00:00'),
        availabilityViewInterval: 60,
      },
      'outlook.timezone="W. Europe Standard Time"',
    );
    expect(answer.value).toEqual([
      {
        scheduleId: 'open@contoso.example',
        // 08-09 free, 09-10 busy and oof (oof wins), 10-11 oof, 11-12 free.
        availabilityView: '0330',
        scheduleItems: [
          {
            isPrivate: false,
            status: 'busy',
            subject: 'Planning',
            location: 'Room 4',
            start: { dateTime: '2026-12-07T10:00:00.0000000', timeZone: 'W. Europe Standard Time' },
            end: { dateTime: '2026-12-07T11:00:00.0000000', timeZone: 'W. Europe Standard Time' },
          },
          {
            isPrivate: true,
            status: 'oof',
            start: { dateTime: '2026-12-07T10:30:00.0000000', timeZone: 'W. Europe Standard Time' },
            end: { dateTime: '2026-12-07T12:00:00.0000000', timeZone: 'W. Europe Standard Time' },
          },
        ],
        workingHours: {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          startTime: '08:00:00.0000000',
          endTime: '17:00:00.0000000',
          timeZone: { name: 'W. Europe Standard Time' },
        },
      },
    ]);
  });

  it("shows only status and times of a calendar shared at Exchange Online's default, in UTC without Prefer", async () => {
    // Parameter names as the concept page spells them, capitalised.
    const answer = await post({
      Schedules: ['closed@contoso.example'],
      StartTime: DAY.startTime,
      ...until('2026-12-07T12:00:00'),
    });
    const [schedule] = answer.value;
    expect(schedule?.availabilityView).toBe('00233300');
    expect(schedule?.scheduleItems).toEqual([
      {
        status: 'busy',
        start: { dateTime: '2026-12-07T09:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-12-07T10:00:00.0000000', timeZone: 'UTC' },
      },
      {
        status: 'oof',
        start: { dateTime: '2026-12-07T09:30:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-12-07T11:00:00.0000000', timeZone: 'UTC' },
      },
    ]);
  });

  it('refuses more than 20 schedules and a period of 62 days or more, and takes 20 and just under', async () => {
    const addresses = (n: number) => Array.from({ length: n }, () => 'open@contoso.example');
    expect(await failure({ schedules: addresses(21), ...DAY, ...until('2026-12-08T08:00:00') })).toEqual({
      status: 400,
      code: 'ErrorInvalidParameter',
    });
    expect(
      (await post({ schedules: addresses(20), ...DAY, ...until('2026-12-08T08:00:00') })).value,
    ).toHaveLength(20);
    expect(await failure({ schedules: addresses(1), ...DAY, ...until('2027-02-07T08:00:00') })).toEqual({
      status: 400,
      code: 'ErrorInvalidParameter',
    });
    expect(
      (await post({ schedules: addresses(1), ...DAY, ...until('2027-02-07T07:59:00') })).value,
    ).toHaveLength(1);
    expect(await failure({ schedules: addresses(1), ...DAY, ...until('2026-12-07T07:00:00') })).toMatchObject(
      {
        status: 400,
      },
    );
  });

  it('needs Calendars.ReadBasic or higher', async () => {
    const body = { schedules: ['open@contoso.example'], ...DAY, ...until('2026-12-07T12:00:00') };
    await sim.setApplicationPermissions(TENANT.id, ['User.Read.All']);
    try {
      expect(await failure(body)).toEqual({ status: 403, code: 'ErrorAccessDenied' });
      await sim.setApplicationPermissions(TENANT.id, ['Calendars.ReadBasic']);
      expect((await post(body)).value[0]).toMatchObject({ scheduleId: 'open@contoso.example' });
    } finally {
      await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
    }
  });

  it('fails a mailbox outside the RBAC read scope on its own, and refuses an asking mailbox outside it', async () => {
    sim.setGroup(TENANT.id, { id: 'readable', memberIds: ['desk', 'open'] });
    sim.setMailboxScope(TENANT.id, { groupId: 'readable' });
    try {
      const answer = await post({
        schedules: ['open@contoso.example', 'closed@contoso.example'],
        ...DAY,
        ...until('2026-12-07T12:00:00'),
      });
      expect(answer.value[0]).toMatchObject({
        scheduleId: 'open@contoso.example',
        availabilityView: '00233300',
      });
      expect(answer.value[1]).toEqual({
        scheduleId: 'closed@contoso.example',
        availabilityView: '',
        error: { message: expect.any(String), responseCode: 'ErrorAccessDenied' },
      });
      const client = graphClient(sim, await accessToken(sim));
      await expect(
        client
          .api('/users/closed@contoso.example/calendar/getSchedule')
          .post({ schedules: ['open@contoso.example'], ...DAY, ...until('2026-12-07T12:00:00') }),
      ).rejects.toMatchObject({ statusCode: 403, code: 'ErrorAccessDenied' });
    } finally {
      sim.setMailboxScope(TENANT.id, undefined);
    }
  });
});
