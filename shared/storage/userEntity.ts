import { z } from 'zod';
import { automaticRepliesMemoSchema } from '../domain/automaticReplies';
import { userTriggersSchema } from '../domain/rules/ruleSet';
import { workingHoursSchema } from '../domain/workingHours';
import { checkEntitySize, definedProperties } from './propertyLimits';
import type { UserRecord, UserSyncStatus } from './records';
import { parseStoredJson, parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const SYNC_STATUSES: { [Status in UserSyncStatus]: Status } = {
  neverSynced: 'neverSynced',
  ok: 'ok',
  error: 'error',
  unreadable: 'unreadable',
};

/** A failure text is diagnostics; a long stack trace must not make recording the failure fail too. */
const LAST_ERROR_MAX_CHARS = 8000;

const userRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().min(1),
  etag: z.string().min(1),
  email: z.string(),
  displayName: z.string().optional(),
  timeZone: z.string(),
  triggers: z.string().optional(),
  workingHours: z.string().optional(),
  automaticReplies: z.string().optional(),
  deltaLink: z.string().optional(),
  window: z.string().optional(),
  rulesVersion: z.number().int().optional(),
  versionedTo: z.number().int().optional(),
  snapshotVersion: z.number().int().optional(),
  statusDigest: z.string().optional(),
  statusVersion: z.number().int().optional(),
  /** JSON of `endingSnapshotSchema`. */
  endingSnapshot: z.string().optional(),
  reconcilePending: z.boolean().optional(),
  subscriptionId: z.string().optional(),
  status: z.enum(SYNC_STATUSES),
  lastSyncAt: z.string().optional(),
  lastError: z.string().optional(),
  unreadableSince: z.string().optional(),
  retryAt: z.string().optional(),
  createdAt: z.string(),
});

const endingSnapshotSchema = z
  .object({ webhookId: z.string().min(1), version: z.number().int(), queuedAt: z.string() })
  .strict();

const windowSchema = z.object({ start: z.string().min(1), end: z.string().min(1) });

export function userPartition(integrationId: string): string {
  return encodeKeyPart(integrationId, 'integration id');
}

export function userKey(integrationId: string, userId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: userPartition(integrationId), rowKey: encodeKeyPart(userId, 'user id') };
}

export function userToEntity(record: UserRecord) {
  const entity = {
    ...userKey(record.integrationId, record.id),
    ...definedProperties({
      email: record.email,
      displayName: record.displayName,
      timeZone: record.timeZone,
      triggers: record.triggers && record.triggers.length > 0 ? JSON.stringify(record.triggers) : undefined,
      workingHours: record.workingHours && JSON.stringify(record.workingHours),
      automaticReplies: record.automaticReplies && JSON.stringify(record.automaticReplies),
      // Kept whole in one property: Graph wants the link back unchanged, so it is never split.
      deltaLink: record.deltaLink,
      window: record.window && JSON.stringify({ start: record.window.start, end: record.window.end }),
      rulesVersion: record.rulesVersion,
      versionedTo: record.versionedTo,
      snapshotVersion: record.snapshotVersion,
      statusDigest: record.statusDigest,
      statusVersion: record.statusVersion,
      endingSnapshot:
        record.endingSnapshot && JSON.stringify(endingSnapshotSchema.parse(record.endingSnapshot)),
      reconcilePending: record.reconcilePending || undefined,
      subscriptionId: record.subscriptionId,
      status: record.status,
      lastSyncAt: record.lastSyncAt,
      lastError: record.lastError?.slice(0, LAST_ERROR_MAX_CHARS),
      unreadableSince: record.unreadableSince,
      retryAt: record.retryAt,
      createdAt: record.createdAt,
    }),
  };
  checkEntitySize(`user ${record.id} of integration ${record.integrationId}`, entity);
  return entity;
}

export function userFromEntity(row: Readonly<Record<string, unknown>>): { value: UserRecord; etag: string } {
  const names = [row.partitionKey, row.rowKey].map((key) =>
    typeof key === 'string' ? decodeKeyPart(key) : '?',
  );
  const what = `user ${names[1]} of integration ${names[0]}`;
  const {
    partitionKey,
    rowKey,
    etag,
    window,
    triggers,
    workingHours,
    endingSnapshot,
    automaticReplies,
    ...fields
  } = parseStoredRow(userRowSchema, row, what);
  const value: UserRecord = {
    integrationId: decodeKeyPart(partitionKey),
    id: decodeKeyPart(rowKey),
    ...fields,
  };
  if (window !== undefined) value.window = parseStoredJson(windowSchema, window, what, 'window');
  if (triggers !== undefined)
    value.triggers = parseStoredJson(userTriggersSchema, triggers, what, 'triggers');
  if (endingSnapshot !== undefined)
    value.endingSnapshot = parseStoredJson(endingSnapshotSchema, endingSnapshot, what, 'endingSnapshot');
  if (workingHours !== undefined)
    value.workingHours = parseStoredJson(workingHoursSchema, workingHours, what, 'workingHours');
  if (automaticReplies !== undefined)
    value.automaticReplies = parseStoredJson(
      automaticRepliesMemoSchema,
      automaticReplies,
      what,
      'automaticReplies',
    );
  return { value, etag };
}
