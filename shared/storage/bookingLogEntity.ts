// How the booking log is stored: one partition per integration in the
// BookingLog table, one row per request, keyed by an entry id that begins
// with the request's time counted backwards, so a partition lists newest
// first and "the latest N" is one query that stops after N. The time is also
// a column (`at`), which the retention purge filters on within the partition.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  BOOKING_ACTIONS,
  BOOKING_LOG_RESULTS,
  type BookingAction,
  type BookingLogEntry,
  type BookingLogResult,
} from '../booking/bookingLogEntry';
import { canonicalUtc } from './absenceEntity';
import { checkEntitySize, definedProperties } from './propertyLimits';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const TIME_CEILING = 9_999_999_999_999;
const ENTRY_ID_SHAPE = /^\d{13}-[0-9a-f]{12}$/;

/** A new entry id: `at` counted down from the ceiling (13 digits), then 48 random bits. */
export function newBookingLogEntryId(at: Date): string {
  return `${String(TIME_CEILING - at.getTime()).padStart(13, '0')}-${randomBytes(6).toString('hex')}`;
}

export function bookingLogPartition(integrationId: string): string {
  return encodeKeyPart(integrationId, 'integration id');
}

export function bookingLogKey(
  integrationId: string,
  entryId: string,
): { partitionKey: string; rowKey: string } {
  if (!ENTRY_ID_SHAPE.test(entryId))
    throw new RangeError('A booking log entry id is minted by newBookingLogEntryId');
  return { partitionKey: bookingLogPartition(integrationId), rowKey: entryId };
}

const ACTIONS = Object.fromEntries(BOOKING_ACTIONS.map((action) => [action, action])) as {
  [Action in BookingAction]: Action;
};
const RESULTS = Object.fromEntries(BOOKING_LOG_RESULTS.map((result) => [result, result])) as {
  [Result in BookingLogResult]: Result;
};

const bookingLogRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().regex(ENTRY_ID_SHAPE),
  at: z.string(),
  credentialId: z.string().min(1),
  credential: z.enum(['current', 'previous']),
  action: z.enum(ACTIONS),
  result: z.enum(RESULTS),
  bookingId: z.string().optional(),
  userId: z.string().optional(),
  userCount: z.number().int().nonnegative().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  subject: z.string().optional(),
  reason: z.string().optional(),
});

export function bookingLogToEntity(entry: BookingLogEntry) {
  const entity = {
    ...bookingLogKey(entry.integrationId, entry.entryId),
    ...definedProperties({
      // Canonical UTC, so the purge's string comparison orders rows as their instants.
      at: canonicalUtc(entry.at, `time of booking log entry ${entry.entryId}`),
      credentialId: entry.credentialId,
      credential: entry.credential,
      action: entry.action,
      result: entry.result,
      bookingId: entry.bookingId,
      userId: entry.userId,
      userCount: entry.userCount,
      start: entry.start,
      end: entry.end,
      subject: entry.subject,
      reason: entry.reason,
    }),
  };
  checkEntitySize(`booking log entry ${entry.entryId}`, entity);
  return entity;
}

export function bookingLogFromEntity(row: Readonly<Record<string, unknown>>): BookingLogEntry {
  const what = `booking log entry ${typeof row.rowKey === 'string' ? row.rowKey : '?'}`;
  const { partitionKey, rowKey, ...fields } = parseStoredRow(bookingLogRowSchema, row, what);
  return { integrationId: decodeKeyPart(partitionKey), entryId: rowKey, ...fields };
}
