// How bookings are stored: one partition per integration in the Bookings
// table, so every read is by key. Three kinds of row share it:
//   `bk-…`            the booking itself, keyed by its booking id;
//   `key~<clientKey>` the call centre's idempotency key → the booking id;
//   `event~<userId>~<graphEventId>` the Graph event → the booking id, so a
//                     change notification about an event finds its booking
//                     with a point read instead of a look through every booking.
// A booking id begins with its creation time counted backwards, so the
// booking rows of a partition come newest first (Table Storage returns rows
// in RowKey order, https://learn.microsoft.com/azure/storage/tables/table-storage-design-for-query)
// and the console's "latest N" is one range query that stops after N.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BOOKING_STATES, type BookingRecord, type BookingState } from '../booking/bookingRecord';
import { checkEntitySize, definedProperties } from './propertyLimits';
import { parseStoredRow } from './storedRow';
import { compositeKey, decodeKeyPart, encodeKeyPart } from './tableKeys';

/** Greater than any Date.now() until the year 2286, and 13 digits long: the digits sort as the numbers do. */
const TIME_CEILING = 9_999_999_999_999;
const BOOKING_ID_SHAPE = /^bk-\d{13}-[0-9a-f]{12}$/;
/** The RowKey range of the booking rows: `-` (0x2D) is followed by `.` (0x2E). */
export const BOOKING_ROWS_FROM = 'bk-';
export const BOOKING_ROWS_TO = 'bk.';

/** A new booking id: its creation instant counted down from the ceiling, then 48 random bits. */
export function newBookingId(createdAt: Date): string {
  const countdown = String(TIME_CEILING - createdAt.getTime()).padStart(13, '0');
  return `bk-${countdown}-${randomBytes(6).toString('hex')}`;
}

export function isBookingId(id: string): boolean {
  return BOOKING_ID_SHAPE.test(id);
}

export function bookingPartition(integrationId: string): string {
  return encodeKeyPart(integrationId, 'integration id');
}

export function bookingKey(
  integrationId: string,
  bookingId: string,
): { partitionKey: string; rowKey: string } {
  if (!isBookingId(bookingId)) throw new RangeError('A booking id is minted by newBookingId');
  return { partitionKey: bookingPartition(integrationId), rowKey: bookingId };
}

export function clientKeyRowKey(
  integrationId: string,
  clientKey: string,
): { partitionKey: string; rowKey: string } {
  return {
    partitionKey: bookingPartition(integrationId),
    rowKey: compositeKey([
      ['key', 'row kind'],
      [clientKey, 'client key'],
    ]),
  };
}

export function eventRowKey(
  integrationId: string,
  userId: string,
  graphEventId: string,
): { partitionKey: string; rowKey: string } {
  return {
    partitionKey: bookingPartition(integrationId),
    rowKey: compositeKey([
      ['event', 'row kind'],
      [userId, 'user id'],
      [graphEventId, 'Graph event id'],
    ]),
  };
}

const STATES = Object.fromEntries(BOOKING_STATES.map((state) => [state, state])) as {
  [State in BookingState]: State;
};

const bookingRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().regex(BOOKING_ID_SHAPE),
  etag: z.string().min(1),
  userId: z.string().min(1),
  mailbox: z.string().min(1),
  clientKey: z.string().min(1),
  graphEventId: z.string().min(1),
  transactionId: z.string().min(1),
  subject: z.string(),
  start: z.string(),
  end: z.string(),
  location: z.string().optional(),
  callerReference: z.string().optional(),
  state: z.enum(STATES),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** An index row (client key or event) names the booking it leads to. */
const pointerRowSchema = z.object({ bookingId: z.string().regex(BOOKING_ID_SHAPE) });

export function bookingToEntity(record: BookingRecord) {
  const entity = {
    ...bookingKey(record.integrationId, record.bookingId),
    ...definedProperties({
      userId: record.userId,
      mailbox: record.mailbox,
      clientKey: record.clientKey,
      graphEventId: record.graphEventId,
      transactionId: record.transactionId,
      subject: record.subject,
      start: record.start,
      end: record.end,
      location: record.location,
      callerReference: record.callerReference,
      state: record.state,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    }),
  };
  checkEntitySize(`booking ${record.bookingId}`, entity);
  return entity;
}

/** The two index rows written with a booking, in the same transaction. */
export function bookingPointerEntities(record: BookingRecord) {
  const pointer = { bookingId: record.bookingId };
  return [
    { ...clientKeyRowKey(record.integrationId, record.clientKey), ...pointer },
    { ...eventRowKey(record.integrationId, record.userId, record.graphEventId), ...pointer },
  ];
}

export function bookingFromEntity(row: Readonly<Record<string, unknown>>): {
  value: BookingRecord;
  etag: string;
} {
  const what = `booking ${typeof row.rowKey === 'string' ? row.rowKey : '?'}`;
  const { partitionKey, rowKey, etag, ...fields } = parseStoredRow(bookingRowSchema, row, what);
  return { value: { integrationId: decodeKeyPart(partitionKey), bookingId: rowKey, ...fields }, etag };
}

export function bookingIdOfPointer(row: Readonly<Record<string, unknown>>): string {
  return parseStoredRow(pointerRowSchema, row, 'booking index row').bookingId;
}
