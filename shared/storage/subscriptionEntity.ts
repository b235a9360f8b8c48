import { z } from 'zod';
import { checkEntitySize } from './propertyLimits';
import type { SubscriptionRecord } from './records';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

/** Notifications arrive with only the subscription id, so it is the partition and the row key is empty. */
const subscriptionRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.literal(''),
  integrationId: z.string().min(1),
  userId: z.string().min(1),
  clientState: z.string(),
  resource: z.string(),
  expiresAt: z.string(),
});

export function subscriptionKey(subscriptionId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: encodeKeyPart(subscriptionId, 'subscription id'), rowKey: '' };
}

export function subscriptionToEntity(record: SubscriptionRecord) {
  const entity = {
    ...subscriptionKey(record.subscriptionId),
    integrationId: record.integrationId,
    userId: record.userId,
    clientState: record.clientState,
    resource: record.resource,
    expiresAt: record.expiresAt,
  };
  checkEntitySize(`subscription ${record.subscriptionId}`, entity);
  return entity;
}

export function subscriptionFromEntity(row: Readonly<Record<string, unknown>>): SubscriptionRecord {
  const id = typeof row.partitionKey === 'string' ? decodeKeyPart(row.partitionKey) : '?';
  const {
    partitionKey,
    rowKey: _,
    ...fields
  } = parseStoredRow(subscriptionRowSchema, row, `subscription ${id}`);
  return { subscriptionId: decodeKeyPart(partitionKey), ...fields };
}
