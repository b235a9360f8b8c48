import { z } from 'zod';
import { deliveryRequestSchema } from '../pbx/pbxEventSchema';
import type { DeliveryErrorClass, PbxReply } from '../pbx/pbxReply';
import { checkEntitySize, definedProperties, joinLongText, splitLongText } from './propertyLimits';
import type { DeliveryFailure, DeliveryLogRecord, DeliveryState } from './records';
import { parseStoredJson, parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const STATES: { [State in DeliveryState]: State } = {
  pending: 'pending',
  delivered: 'delivered',
  failed: 'failed',
};
const FAILURES: { [Failure in DeliveryFailure]: Failure } = {
  exhausted: 'exhausted',
  rejected: 'rejected',
  gone: 'gone',
  endpointDisabled: 'endpointDisabled',
};

const ERROR_CLASSES: { [Class in DeliveryErrorClass]: Class } = {
  http: 'http',
  redirect: 'redirect',
  timeout: 'timeout',
  refused: 'refused',
  reset: 'reset',
  unreachable: 'unreachable',
  tls: 'tls',
  dns: 'dns',
  network: 'network',
  blockedAddress: 'blockedAddress',
  invalidUrl: 'invalidUrl',
  secretUnavailable: 'secretUnavailable',
};

const deliveryRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().min(1),
  type: z.enum(['absence.upserted', 'absence.deleted', 'user.snapshot', 'user.status']),
  userId: z.string(),
  state: z.enum(STATES),
  failure: z.enum(FAILURES).optional(),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  errorClass: z.enum(ERROR_CLASSES).optional(),
  replyLength: z.number().int().nonnegative().optional(),
  replyContentType: z.string().optional(),
  replySummary: z.string().optional(),
  updatedAt: z.string(),
});

/** The columns a listing needs: everything but the stored request. */
export const DELIVERY_SUMMARY_COLUMNS = [
  'PartitionKey',
  'RowKey',
  'type',
  'userId',
  'state',
  'failure',
  'attempts',
  'lastStatus',
  'lastError',
  'errorClass',
  'replyLength',
  'replyContentType',
  'replySummary',
  'updatedAt',
];

/** One partition per integration: the admin view reads one integration's log in one query. */
export function deliveryKey(
  integrationId: string,
  webhookId: string,
): { partitionKey: string; rowKey: string } {
  return {
    partitionKey: encodeKeyPart(integrationId, 'integration id'),
    rowKey: encodeKeyPart(webhookId, 'webhook id'),
  };
}

export function deliveryToEntity(record: DeliveryLogRecord) {
  const entity = {
    ...deliveryKey(record.integrationId, record.webhookId),
    ...definedProperties({
      type: record.type,
      userId: record.userId,
      state: record.state,
      failure: record.failure,
      attempts: record.attempts,
      lastStatus: record.lastStatus,
      lastError: record.lastError,
      errorClass: record.errorClass,
      // Flat columns, so a listing's $select can name them.
      replyLength: record.reply?.length,
      replyContentType: record.reply?.contentType,
      replySummary: record.reply?.summary,
      updatedAt: record.updatedAt,
    }),
    // A snapshot can outgrow one property; spread it like a large rule set.
    ...(record.request ? splitLongText('request', JSON.stringify(record.request)) : {}),
  };
  checkEntitySize(`delivery ${record.webhookId}`, entity);
  return entity;
}

export function deliveryFromEntity(row: Readonly<Record<string, unknown>>): DeliveryLogRecord {
  const webhookId = typeof row.rowKey === 'string' ? decodeKeyPart(row.rowKey) : '?';
  const what = `delivery ${webhookId}`;
  // A $select names columns some rows lack; the service may return those as null rather than leave them out.
  const present = Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null));
  const { partitionKey, rowKey, replyLength, replyContentType, replySummary, ...fields } = parseStoredRow(
    deliveryRowSchema,
    present,
    what,
  );
  const reply: PbxReply = {
    ...(replyLength !== undefined ? { length: replyLength } : {}),
    ...(replyContentType !== undefined ? { contentType: replyContentType } : {}),
    ...(replySummary !== undefined ? { summary: replySummary } : {}),
  };
  const requestText = row.request === undefined ? undefined : joinLongText('request', row);
  const request =
    requestText === undefined
      ? undefined
      : parseStoredJson(deliveryRequestSchema, requestText, what, 'request');
  return {
    integrationId: decodeKeyPart(partitionKey),
    webhookId: decodeKeyPart(rowKey),
    ...fields,
    ...(Object.keys(reply).length > 0 ? { reply } : {}),
    ...(request ? { request } : {}),
  };
}
