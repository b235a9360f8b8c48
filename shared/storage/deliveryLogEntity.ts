import { z } from 'zod';
import { deliveryRequestSchema } from '../pbx/pbxEventSchema';
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

const deliveryRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().min(1),
  type: z.enum(['absence.upserted', 'absence.deleted', 'user.snapshot']),
  userId: z.string(),
  state: z.enum(STATES),
  failure: z.enum(FAILURES).optional(),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
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
  const { partitionKey, rowKey, ...fields } = parseStoredRow(deliveryRowSchema, present, what);
  const requestText = row.request === undefined ? undefined : joinLongText('request', row);
  const request =
    requestText === undefined
      ? undefined
      : parseStoredJson(deliveryRequestSchema, requestText, what, 'request');
  return {
    integrationId: decodeKeyPart(partitionKey),
    webhookId: decodeKeyPart(rowKey),
    ...fields,
    ...(request ? { request } : {}),
  };
}
