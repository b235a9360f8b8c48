import { z } from 'zod';
import { CALL_HANDLING_VALUES } from '../domain/absence';
import { checkEntitySize, definedProperties } from './propertyLimits';
import type { AbsenceRecord } from './records';
import { parseStoredJson, parseStoredRow, StoredRowError } from './storedRow';
import { compositeKey, decodeKeyPart, encodeKeyPart, splitCompositeKey } from './tableKeys';

const absenceRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().min(1),
  eventId: z.string(),
  seriesMasterId: z.string().optional(),
  start: z.string(),
  end: z.string(),
  reason: z.string(),
  callHandling: z.enum(CALL_HANDLING_VALUES),
  subject: z.string().optional(),
  version: z.number().int(),
  deleted: z.boolean(),
  updatedAt: z.string(),
});

/** Stored reasons were checked by the rules when drafted; on read we only insist on their shape. */
const storedReasonSchema = z.object({ code: z.string(), name: z.string() });

/** One partition per user: a sync reads and rewrites exactly one user's absences, in transactions. */
export function absencePartition(integrationId: string, userId: string): string {
  return compositeKey([
    [integrationId, 'integration id'],
    [userId, 'user id'],
  ]);
}

export function absenceRowKey(absenceId: string): string {
  return encodeKeyPart(absenceId, 'absence id');
}

/**
 * `end` is kept as written (the diff compares it verbatim); `endUtc` is the
 * same instant in one fixed format, so comparing text compares time.
 */
export function canonicalUtc(iso: string, what: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RangeError(`${what} is not an ISO 8601 date-time`);
  return new Date(time).toISOString();
}

export function absenceToEntity(record: AbsenceRecord) {
  const entity = {
    partitionKey: absencePartition(record.integrationId, record.userId),
    rowKey: absenceRowKey(record.id),
    ...definedProperties({
      eventId: record.eventId,
      seriesMasterId: record.seriesMasterId,
      start: record.start,
      end: record.end,
      endUtc: canonicalUtc(record.end, `end of absence ${record.id}`),
      reason: JSON.stringify({ code: record.reason.code, name: record.reason.name }),
      callHandling: record.callHandling,
      subject: record.subject,
      version: record.version,
      deleted: record.deleted,
      updatedAt: record.updatedAt,
    }),
  };
  checkEntitySize(`absence ${record.id}`, entity);
  return entity;
}

export function absenceFromEntity(row: Readonly<Record<string, unknown>>): AbsenceRecord {
  const id = typeof row.rowKey === 'string' ? decodeKeyPart(row.rowKey) : '?';
  const what = `absence ${id}`;
  const { partitionKey, rowKey, reason, ...fields } = parseStoredRow(absenceRowSchema, row, what);
  const owner = splitCompositeKey(partitionKey, 2);
  if (owner === undefined)
    throw new StoredRowError(what, ['partitionKey: not an integration and user id pair']);
  const [integrationId, userId] = owner as [string, string];
  return {
    integrationId,
    userId,
    id: decodeKeyPart(rowKey),
    ...fields,
    reason: parseStoredJson(storedReasonSchema, reason, what, 'reason'),
  };
}
