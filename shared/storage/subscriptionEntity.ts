// Each subscription is kept twice in the Subscriptions table. Notifications
// arrive with only the subscription id, so its own row has the id as partition
// and an empty row key. The dashboard and the maintenance run ask for one
// integration's subscriptions, so a copy lives in the integration's partition
// too, keyed by subscription id: one partition query instead of a scan of
// every integration's rows. An encoded id never contains `~`, so the
// integration partition (id plus a trailing `~`) and the marker partition
// (a leading `~`) can never be mistaken for a subscription's own partition.
// Microsoft's guidance for Table Storage: store duplicate copies of an entity
// under different keys for the queries you need, and give every query a
// PartitionKey, since one without it scans the table
// (https://learn.microsoft.com/azure/storage/tables/table-storage-design-guidelines,
// https://learn.microsoft.com/azure/storage/tables/table-storage-design-for-query).

import { z } from 'zod';
import { checkEntitySize } from './propertyLimits';
import type { SubscriptionRecord } from './records';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart, KEY_SEPARATOR } from './tableKeys';

const subscriptionRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string(),
  integrationId: z.string().min(1),
  userId: z.string().min(1),
  clientState: z.string(),
  resource: z.string(),
  expiresAt: z.string(),
  // An EWS push subscription's state (records.ts EwsSubscriptionState); absent on Graph's rows.
  ewsWatermark: z.string().optional(),
  ewsStatusFrequencyMinutes: z.number().int().optional(),
  ewsLastHeardAt: z.string().optional(),
});

export function subscriptionKey(subscriptionId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: encodeKeyPart(subscriptionId, 'subscription id'), rowKey: '' };
}

/** The partition holding one integration's copies. */
export function subscriptionIndexPartition(integrationId: string): string {
  return `${encodeKeyPart(integrationId, 'integration id')}${KEY_SEPARATOR}`;
}

export function subscriptionIndexKey(record: Pick<SubscriptionRecord, 'subscriptionId' | 'integrationId'>): {
  partitionKey: string;
  rowKey: string;
} {
  return {
    partitionKey: subscriptionIndexPartition(record.integrationId),
    rowKey: encodeKeyPart(record.subscriptionId, 'subscription id'),
  };
}

/** Present once every subscription written before the copies existed has its copy (see tableRepositories.ts). */
export const SUBSCRIPTION_INDEX_MARKER = {
  partitionKey: `${KEY_SEPARATOR}migrations`,
  rowKey: 'byIntegration',
};

export function subscriptionToEntity(record: SubscriptionRecord) {
  return subscriptionEntityAt(subscriptionKey(record.subscriptionId), record);
}

/** The copy in the integration's partition: the same columns under other keys. */
export function subscriptionIndexEntity(record: SubscriptionRecord) {
  return subscriptionEntityAt(subscriptionIndexKey(record), record);
}

function subscriptionEntityAt(key: { partitionKey: string; rowKey: string }, record: SubscriptionRecord) {
  const entity = {
    ...key,
    integrationId: record.integrationId,
    userId: record.userId,
    clientState: record.clientState,
    resource: record.resource,
    expiresAt: record.expiresAt,
    ...(record.ews
      ? {
          ewsWatermark: record.ews.watermark,
          ewsStatusFrequencyMinutes: record.ews.statusFrequencyMinutes,
          ewsLastHeardAt: record.ews.lastHeardAt,
        }
      : {}),
  };
  checkEntitySize(`subscription ${record.subscriptionId}`, entity);
  return entity;
}

/**
 * What one EWS notification writes: a Merge of these columns into the
 * integration's copy alone, where the maintenance run reads them.
 */
export function ewsHeardEntity(
  record: Pick<SubscriptionRecord, 'subscriptionId' | 'integrationId'>,
  heard: { watermark: string; lastHeardAt: string; expiresAt: string },
) {
  return {
    ...subscriptionIndexKey(record),
    ewsWatermark: heard.watermark,
    ewsLastHeardAt: heard.lastHeardAt,
    expiresAt: heard.expiresAt,
  };
}

/** Reads either row: the id is the partition of the subscription's own row, the row key of its copy. */
export function subscriptionFromEntity(row: Readonly<Record<string, unknown>>): SubscriptionRecord {
  const key = row.rowKey === '' ? row.partitionKey : row.rowKey;
  const id = typeof key === 'string' ? decodeKeyPart(key) : '?';
  const { partitionKey, rowKey, ewsWatermark, ewsStatusFrequencyMinutes, ewsLastHeardAt, ...fields } =
    parseStoredRow(subscriptionRowSchema, row, `subscription ${id}`);
  const ews =
    ewsWatermark !== undefined && ewsStatusFrequencyMinutes !== undefined && ewsLastHeardAt !== undefined
      ? {
          watermark: ewsWatermark,
          statusFrequencyMinutes: ewsStatusFrequencyMinutes,
          lastHeardAt: ewsLastHeardAt,
        }
      : undefined;
  return {
    subscriptionId: decodeKeyPart(rowKey === '' ? partitionKey : rowKey),
    ...fields,
    ...(ews ? { ews } : {}),
  };
}
