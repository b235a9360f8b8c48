// The call centre's bookings and the booking log on real Table Storage
// (Azurite), requests counted at a pass-through proxy: a booking and its
// index rows written together or not at all, found by id, client key and
// Graph event with point reads, listed newest first in one range query,
// changed through optimisticUpdate; the log listed newest first and purged
// past retention by partition; the integration's booking settings stored.

import { TableClient } from '@azure/data-tables';
import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { bookingKeyHash, mintBookingKey } from '../../shared/booking/bookingCredential';
import {
  BOOKING_LOG_RETENTION_DAYS,
  type BookingLogEntry,
  bookingLogCutoff,
} from '../../shared/booking/bookingLogEntry';
import type { BookingRecord } from '../../shared/booking/bookingRecord';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { isBookingId, newBookingId } from '../../shared/storage/bookingEntity';
import { newBookingLogEntryId } from '../../shared/storage/bookingLogEntity';
import { integrationKey } from '../../shared/storage/integrationEntity';
import { bookingRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';
import { ConcurrencyError, type IntegrationRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { StoredRowError } from '../../shared/storage/storedRow';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const BOOKINGS = /Bookings/;
const BOOKING_LOG = /BookingLog/;
const noPause = { attempts: 5, pause: async () => undefined };

let counter: TableRequestCounter;
let repos: Repositories;
let prefix: string;
let seq = 0;

beforeAll(async () => {
  counter = await countTableRequests(testTablesConnectionString());
  prefix = uniqueTablePrefix();
  repos = await createTableRepositories({ connectionString: counter.connectionString, tablePrefix: prefix });
});
afterAll(async () => {
  await counter?.stop();
});

/** An integration id no other test of the file uses. */
const freshIntegration = () => `field-${++seq}`;

function booking(
  integrationId: string,
  createdAt: string,
  extra: Partial<BookingRecord> = {},
): BookingRecord {
  const n = ++seq;
  return {
    integrationId,
    bookingId: newBookingId(new Date(createdAt)),
    userId: '7f3c2a10-0000-4000-8000-00000000000a',
    mailbox: 'alice@contoso.example',
    clientKey: `call-${n}`,
    graphEventId: `AAMkAGI2TG93AAA=/event+${n}`,
    transactionId: `txn-${n}`,
    subject: 'Boiler service visit',
    start: '2026-12-07T09:00:00.000Z',
    end: '2026-12-07T10:00:00.000Z',
    location: 'Storgatan 1, Malmö',
    callerReference: 'CASE-4711',
    state: 'booked',
    createdAt,
    updatedAt: createdAt,
    ...extra,
  };
}

describe('bookings', () => {
  it('keeps a booking as it was written, optional fields absent or present, and answers with its etag', async () => {
    const integrationId = freshIntegration();
    const full = booking(integrationId, '2026-12-02T10:00:00.000Z');
    const { location: _, callerReference: __, ...bare } = booking(integrationId, '2026-12-02T10:01:00.000Z');
    const etag = await repos.bookings.create(full);
    await repos.bookings.create(bare);
    const read = await repos.bookings.get(integrationId, full.bookingId);
    expect(read).toEqual({ value: full, etag });
    expect((await repos.bookings.get(integrationId, bare.bookingId))?.value).toStrictEqual(bare);
    expect(await repos.bookings.get(freshIntegration(), full.bookingId)).toBeUndefined();
  });

  it('mints ids that sort newest first and refuses to store under any other id', async () => {
    const older = newBookingId(new Date('2026-12-02T10:00:00.000Z'));
    const newer = newBookingId(new Date('2026-12-02T10:00:00.001Z'));
    expect(isBookingId(older)).toBe(true);
    expect(newer < older).toBe(true);
    const integrationId = freshIntegration();
    await expect(
      repos.bookings.create({
        ...booking(integrationId, '2026-12-02T10:00:00.000Z'),
        bookingId: 'my-own-id',
      }),
    ).rejects.toThrow(RangeError);
  });

  it('finds a booking by the call centre’s client key and by its Graph event, with point reads only', async () => {
    const integrationId = freshIntegration();
    const made = booking(integrationId, '2026-12-02T10:00:00.000Z');
    await repos.bookings.create(made);
    counter.reset();
    expect((await repos.bookings.findByClientKey(integrationId, made.clientKey))?.value).toEqual(made);
    expect((await repos.bookings.findByEvent(integrationId, made.userId, made.graphEventId))?.value).toEqual(
      made,
    );
    // Point reads: GET …/Bookings(PartitionKey='…',RowKey='…'), two per lookup, no query.
    expect(counter.requests()).toHaveLength(4);
    expect(counter.requests().every((request) => /^GET \/[^?]*Bookings\(PartitionKey=/.test(request))).toBe(
      true,
    );
    expect(await repos.bookings.findByClientKey(integrationId, 'never-sent')).toBeUndefined();
    expect(
      await repos.bookings.findByEvent(integrationId, 'someone-else', made.graphEventId),
    ).toBeUndefined();
    // Client keys belong to one integration: another one's same key is another booking.
    expect(await repos.bookings.findByClientKey(freshIntegration(), made.clientKey)).toBeUndefined();
  });

  it('stores one booking per client key: a second with the same key fails and writes nothing', async () => {
    const integrationId = freshIntegration();
    const first = booking(integrationId, '2026-12-02T10:00:00.000Z', { clientKey: 'retry-me' });
    const second = booking(integrationId, '2026-12-02T10:00:01.000Z', { clientKey: 'retry-me' });
    await repos.bookings.create(first);
    await expect(repos.bookings.create(second)).rejects.toThrow(ConcurrencyError);
    expect(await repos.bookings.get(integrationId, second.bookingId)).toBeUndefined();
    expect(
      await repos.bookings.findByEvent(integrationId, second.userId, second.graphEventId),
    ).toBeUndefined();
    expect((await repos.bookings.findByClientKey(integrationId, 'retry-me'))?.value.bookingId).toBe(
      first.bookingId,
    );
    // The same booking id twice is refused as well.
    await expect(
      repos.bookings.create({ ...first, clientKey: 'other', graphEventId: 'other' }),
    ).rejects.toThrow(ConcurrencyError);
  });

  it('lists an integration’s newest bookings first, at most the limit, in one request, without index rows', async () => {
    const integrationId = freshIntegration();
    const made: BookingRecord[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const record = booking(integrationId, `2026-12-02T10:0${minute}:00.000Z`);
      made.push(record);
      await repos.bookings.create(record);
    }
    await repos.bookings.create(booking(freshIntegration(), '2026-12-02T11:00:00.000Z'));
    counter.reset();
    const recent = await repos.bookings.listRecent(integrationId, 3);
    expect(recent.map((record) => record.createdAt)).toEqual([
      '2026-12-02T10:04:00.000Z',
      '2026-12-02T10:03:00.000Z',
      '2026-12-02T10:02:00.000Z',
    ]);
    expect(counter.count(BOOKINGS)).toBe(1);
    const all = await repos.bookings.listRecent(integrationId, 100);
    expect(all.map((record) => record.bookingId)).toEqual(made.map((record) => record.bookingId).reverse());
    await expect(repos.bookings.listRecent(integrationId, 0)).rejects.toThrow(RangeError);
  });

  it('changes a booking’s state through optimisticUpdate, and refuses a write from a stale read', async () => {
    const integrationId = freshIntegration();
    const made = booking(integrationId, '2026-12-02T10:00:00.000Z');
    const firstEtag = await repos.bookings.create(made);
    const row = bookingRow(repos.bookings, integrationId, made.bookingId);
    const moved = await optimisticUpdate(
      row,
      (current) => ({
        ...current,
        state: 'moved' as const,
        start: '2026-12-07T13:00:00.000Z',
        end: '2026-12-07T14:00:00.000Z',
        updatedAt: '2026-12-02T10:30:00.000Z',
      }),
      noPause,
    );
    expect(moved.kind).toBe('updated');
    const read = await repos.bookings.get(integrationId, made.bookingId);
    expect(read?.value).toMatchObject({ state: 'moved', start: '2026-12-07T13:00:00.000Z' });
    // Still found by its key after the change (the index rows lead to the same row).
    expect((await repos.bookings.findByClientKey(integrationId, made.clientKey))?.value.state).toBe('moved');
    await expect(repos.bookings.update({ ...made, state: 'cancelled' }, firstEtag)).rejects.toThrow(
      ConcurrencyError,
    );
    expect(
      await optimisticUpdate(bookingRow(repos.bookings, integrationId, newBookingId(new Date())), (b) => b),
    ).toEqual({
      kind: 'notFound',
    });
  });

  it('refuses a stored booking row it cannot read, naming the field, not the value', async () => {
    const integrationId = freshIntegration();
    const made = booking(integrationId, '2026-12-02T10:00:00.000Z');
    await repos.bookings.create(made);
    const raw = TableClient.fromConnectionString(testTablesConnectionString(), `${prefix}Bookings`, {
      allowInsecureConnection: true,
    });
    await raw.updateEntity({ partitionKey: integrationId, rowKey: made.bookingId, state: 'lost' }, 'Merge');
    const read = repos.bookings.get(integrationId, made.bookingId);
    await expect(read).rejects.toThrow(StoredRowError);
    await expect(repos.bookings.get(integrationId, made.bookingId)).rejects.toThrow(/state/);
  });
});

describe('the booking log', () => {
  function entry(integrationId: string, at: string, extra: Partial<BookingLogEntry> = {}): BookingLogEntry {
    return {
      integrationId,
      entryId: newBookingLogEntryId(new Date(at)),
      at,
      credentialId: bookingKeyHash('ccbk_x').slice(0, 12),
      credential: 'current',
      action: 'book',
      result: 'done',
      bookingId: newBookingId(new Date(at)),
      userId: '7f3c2a10-0000-4000-8000-00000000000a',
      start: '2026-12-07T09:00:00.000Z',
      end: '2026-12-07T10:00:00.000Z',
      subject: 'Boiler service visit',
      ...extra,
    };
  }

  it('lists an integration’s newest entries first, at most the limit, in one request', async () => {
    const integrationId = freshIntegration();
    const freeTime = entry(integrationId, '2026-12-02T09:00:00.000Z', {
      action: 'freeTime',
      userCount: 3,
      bookingId: undefined,
      subject: undefined,
      userId: undefined,
    });
    const { bookingId: _, subject: __, userId: ___, ...freeTimeStored } = freeTime;
    const refused = entry(integrationId, '2026-12-02T09:05:00.000Z', {
      result: 'outsideGroup',
      reason: 'mailbox is not in the booking group',
      credential: 'previous',
    });
    const booked = entry(integrationId, '2026-12-02T09:10:00.000Z');
    for (const row of [freeTime, refused, booked]) await repos.bookingLog.record(row);
    await repos.bookingLog.record(entry(freshIntegration(), '2026-12-02T09:20:00.000Z'));
    counter.reset();
    expect(await repos.bookingLog.listRecent(integrationId, 2)).toEqual([booked, refused]);
    expect(counter.count(BOOKING_LOG)).toBe(1);
    expect((await repos.bookingLog.listRecent(integrationId, 10)).at(-1)).toStrictEqual(freeTimeStored);
  });

  it('purges one integration’s entries past retention, in its own partition, and keeps the rest', async () => {
    const integrationId = freshIntegration();
    const neighbour = freshIntegration();
    const now = new Date('2026-12-02T12:00:00.000Z');
    const cutoff = bookingLogCutoff(now);
    expect(cutoff).toBe('2026-11-02T12:00:00.000Z');
    expect(BOOKING_LOG_RETENTION_DAYS).toBe(30);
    expect(bookingLogCutoff(now, 7)).toBe('2026-11-25T12:00:00.000Z');
    const old = entry(integrationId, '2026-10-01T08:00:00.000Z');
    const justBefore = entry(integrationId, '2026-11-02T11:59:59.999Z');
    const kept = entry(integrationId, '2026-11-02T12:00:00.000Z');
    const theirs = entry(neighbour, '2026-10-01T08:00:00.000Z');
    for (const row of [old, justBefore, kept, theirs]) await repos.bookingLog.record(row);
    counter.reset();
    expect(await repos.bookingLog.deleteBefore(integrationId, cutoff)).toBe(2);
    // One partition query and one transaction: never a scan of the table.
    expect(counter.requests().filter((request) => request.startsWith('GET'))).toHaveLength(1);
    expect(counter.requests().find((request) => request.startsWith('GET'))).toContain('PartitionKey');
    expect(await repos.bookingLog.listRecent(integrationId, 10)).toEqual([kept]);
    expect(await repos.bookingLog.listRecent(neighbour, 10)).toEqual([theirs]);
    expect(await repos.bookingLog.deleteBefore(integrationId, cutoff)).toBe(0);
  });

  it('stores the time in one UTC form, so the purge compares instants', async () => {
    const integrationId = freshIntegration();
    await repos.bookingLog.record(entry(integrationId, '2026-10-01T10:00:00+02:00'));
    expect((await repos.bookingLog.listRecent(integrationId, 1))[0]?.at).toBe('2026-10-01T08:00:00.000Z');
    expect(await repos.bookingLog.deleteBefore(integrationId, '2026-10-01T08:00:00.001Z')).toBe(1);
  });
});

describe('an integration’s booking settings', () => {
  function integration(id: string, extra: Partial<IntegrationRecord> = {}): IntegrationRecord {
    return {
      id,
      name: 'Contoso',
      active: true,
      consentState: 'granted',
      pbxUrl: 'https://pbx.example.test/hooks',
      pbxSecretName: `pbx-${id}`,
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: '2026-11-25T08:00:00.000Z',
      updatedAt: '2026-11-25T08:00:00.000Z',
      ...extra,
    };
  }

  it('is absent, booking off, on an integration that never had it', async () => {
    const id = freshIntegration();
    await repos.integrations.create(integration(id));
    expect((await repos.integrations.get(id))?.value.booking).toBeUndefined();
  });

  it('keeps the switch, the group and the key’s hash, never the key', async () => {
    const id = freshIntegration();
    const key = mintBookingKey(id);
    const booking = {
      enabled: true,
      groupId: '0f1e2d3c-0000-4000-8000-000000000001',
      credentialHash: bookingKeyHash(key),
      credentialSetAt: '2026-12-02T10:00:00.000Z',
      previousCredentialHash: bookingKeyHash(mintBookingKey(id)),
      previousCredentialUntil: '2026-12-03T10:00:00.000Z',
    };
    await repos.integrations.create(integration(id, { booking }));
    expect((await repos.integrations.get(id))?.value.booking).toStrictEqual(booking);
    const raw = TableClient.fromConnectionString(testTablesConnectionString(), `${prefix}Integrations`, {
      allowInsecureConnection: true,
    });
    const stored = await raw.getEntity(integrationKey(id).partitionKey, integrationKey(id).rowKey);
    expect(JSON.stringify(stored)).not.toContain(key);
    const off = { ...integration(id), booking: { enabled: false } };
    const etag = (await repos.integrations.get(id))?.etag;
    await repos.integrations.update(off, etag);
    expect((await repos.integrations.get(id))?.value.booking).toStrictEqual({ enabled: false });
  });

  it('refuses settings it does not know, on write and on read', async () => {
    const id = freshIntegration();
    const odd = { enabled: true, credentialHash: 'the-key-itself' };
    await expect(repos.integrations.create(integration(id, { booking: odd }))).rejects.toThrow();
    await repos.integrations.create(integration(id));
    const raw = TableClient.fromConnectionString(testTablesConnectionString(), `${prefix}Integrations`, {
      allowInsecureConnection: true,
    });
    const { partitionKey, rowKey } = integrationKey(id);
    await raw.updateEntity({ partitionKey, rowKey, booking: JSON.stringify({ enabled: 'yes' }) }, 'Merge');
    await expect(repos.integrations.get(id)).rejects.toThrow(StoredRowError);
  });
});
