// Reading a mailbox's automatic replies from Graph, against the simulator
// through the real Graph SDK: the documented shapes, Windows zones, the
// permission Graph asks for, and `$batch`.

import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { automaticRepliesEventId } from '../../shared/domain/automaticReplies';
import { syncWindowFor } from '../../shared/domain/syncWindow';
import {
  automaticRepliesBatchItem,
  automaticRepliesFromBatch,
  automaticRepliesOf,
  readAutomaticReplies,
} from '../../shared/graph/automaticRepliesSetting';
import { graphCalendarSource } from '../../shared/graph/graphCalendarSource';
import { createGraphClient } from '../../shared/graph/graphClient';
import { sendBatch } from '../../shared/graph/jsonBatch';
import type { Logger } from '../../shared/logger';
import { accessToken, TENANT } from '../simulator/simulatorClient';

describe("a mailbox's automatic replies, read from Graph", () => {
  let sim: GraphSimulator;
  const anna = { id: 'anna-id', email: 'anna@contoso.example' };
  const bo = { id: 'bo-id', email: 'bo@contoso.example' };
  const clientWith = async () => {
    const token = await accessToken(sim);
    return createGraphClient({ baseUrl: sim.url, tenantId: TENANT.id, tokens: async () => token });
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: anna.id, userPrincipalName: anna.email });
    sim.addUser(TENANT.id, {
      id: bo.id,
      userPrincipalName: bo.email,
      automaticReplies: {
        status: 'scheduled',
        scheduledStartDateTime: {
          dateTime: '2026-07-01T08:00:00.0000000',
          timeZone: 'W. Europe Standard Time',
        },
        scheduledEndDateTime: { dateTime: '2026-07-20T00:00:00.0000000', timeZone: 'Pacific Standard Time' },
        externalAudience: 'all',
        internalReplyMessage: 'On leave',
        externalReplyMessage: 'On leave',
      },
    });
  });
  afterEach(() => sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS));
  afterAll(async () => {
    await sim?.stop();
  });

  it('converts a schedule in Windows zones to UTC, on its own path and inside mailboxSettings alike', async () => {
    const client = await clientWith();
    // 08:00 in Berlin in summer is 06:00 UTC; midnight in Los Angeles in summer is 07:00 UTC.
    const expected = {
      kind: 'read',
      setting: { status: 'scheduled', start: '2026-07-01T06:00:00.000Z', end: '2026-07-20T07:00:00.000Z' },
    };
    expect(await readAutomaticReplies(client, bo.id)).toEqual(expected);
    const settings: { automaticRepliesSetting: unknown } = await client
      .api(`/users/${bo.id}/mailboxSettings`)
      .get();
    expect(automaticRepliesOf(settings.automaticRepliesSetting)).toEqual(expected);
    expect(await readAutomaticReplies(client, anna.id)).toEqual({
      kind: 'read',
      setting: { status: 'disabled' },
    });
  });

  it('reads the documented spellings: "Scheduled" in UTC, "alwaysEnabled" with a stale schedule beside it', () => {
    // Graph's own examples (user-get-mailboxsettings, examples 1 and 2).
    expect(
      automaticRepliesOf({
        status: 'Scheduled',
        externalAudience: 'All',
        scheduledStartDateTime: { dateTime: '2016-03-14T07:00:00.0000000', timeZone: 'UTC' },
        scheduledEndDateTime: { dateTime: '2016-03-28T07:00:00.0000000', timeZone: 'UTC' },
      }),
    ).toEqual({
      kind: 'read',
      setting: { status: 'scheduled', start: '2016-03-14T07:00:00.000Z', end: '2016-03-28T07:00:00.000Z' },
    });
    expect(
      automaticRepliesOf({
        status: 'alwaysEnabled',
        scheduledStartDateTime: { dateTime: '2016-03-19T02:00:00.0000000', timeZone: 'UTC' },
        scheduledEndDateTime: { dateTime: '2016-03-20T02:00:00.0000000', timeZone: 'UTC' },
      }),
    ).toEqual({ kind: 'read', setting: { status: 'alwaysEnabled' } });
    expect(automaticRepliesOf({ status: 'sometimes' }).kind).toBe('unreadable');
    expect(
      automaticRepliesOf({
        status: 'scheduled',
        scheduledStartDateTime: { dateTime: '2026-07-01T08:00:00', timeZone: 'Customized Time Zone' },
        scheduledEndDateTime: { dateTime: '2026-07-02T08:00:00', timeZone: 'UTC' },
      }).kind,
    ).toBe('unreadable');
  });

  it('is refused without MailboxSettings.Read, and the calendar source then takes the replies as off', async () => {
    await sim.setApplicationPermissions(
      TENANT.id,
      PRODUCT_PERMISSIONS.filter((permission) => permission !== 'MailboxSettings.Read'),
    );
    const client = await clientWith();
    expect(await readAutomaticReplies(client, bo.id)).toEqual({
      kind: 'unreadable',
      why: 'Graph 403: MailboxSettings.Read not granted',
    });
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const source = graphCalendarSource({
      client,
      baseUrl: sim.url,
      pageSize: 10,
      log,
      automaticReplies: { maxAgeMinutes: 15, now: () => new Date('2026-07-05T00:00:00Z') },
    });
    const window = syncWindowFor(new Date('2026-07-05T00:00:00Z'), 14);
    const read = await source.read(bo, { kind: 'fresh', window });
    expect(read.entries).toEqual([]);
    expect(read.automaticReplies?.state).toEqual({ status: 'disabled' });
    expect(warnings).toContain('automatic replies unreadable; taken as off');
  });

  it('answers in $batch, a mailbox Graph does not know as unreadable', async () => {
    const client = await clientWith();
    const responses = await sendBatch(client, [
      automaticRepliesBatchItem('0', bo.id),
      automaticRepliesBatchItem('1', 'nobody-id'),
    ]);
    expect(responses.map(automaticRepliesFromBatch)).toEqual([
      {
        kind: 'read',
        setting: { status: 'scheduled', start: '2026-07-01T06:00:00.000Z', end: '2026-07-20T07:00:00.000Z' },
      },
      { kind: 'unreadable', why: 'Graph 404: no mailbox' },
    ]);
  });

  it('a fresh read reports the entry; a resumed read within the max age does not ask', async () => {
    const client = await clientWith();
    const now = new Date('2026-07-05T00:00:00Z');
    const source = graphCalendarSource({
      client,
      baseUrl: sim.url,
      pageSize: 10,
      log: silentLogger,
      automaticReplies: { maxAgeMinutes: 15, now: () => now },
    });
    const window = syncWindowFor(now, 14);
    const fresh = await source.read(bo, { kind: 'fresh', window });
    const id = automaticRepliesEventId(bo.id);
    expect(fresh.reportedIds.has(id)).toBe(true);
    expect(fresh.entries.map((e) => e.id)).toEqual([id]);
    sim.requests.reset();
    const resumed = await source.read(
      { ...bo, ...(fresh.automaticReplies ? { automaticReplies: fresh.automaticReplies } : {}) },
      { kind: 'resume', cursor: fresh.cursor, window },
    );
    expect(resumed.reportedIds.has(id)).toBe(false);
    expect(sim.requests.count({ pathIncludes: 'automaticRepliesSetting' })).toBe(0);
  });
});
