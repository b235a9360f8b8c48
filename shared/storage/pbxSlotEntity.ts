// How the PBX call slots are stored: rows of the integration's partition of
// the Deliveries table, beside its delivery log, one row per slot taken (row
// key `~slot~` and the slot's number; an encoded webhook id never holds a `~`,
// tableKeys.ts), holding the lease that says until when the slot is taken. A
// released slot has no row; a row whose lease has passed belongs to a worker
// that never released it and may be taken over. Sharing the log's partition
// lets an instance give a slot back in the same entity-group transaction as
// the delivered rows it writes (deliveryLogBatch.ts).

import { z } from 'zod';
import type { PbxSlotRecord } from './records';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const pbxSlotRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().regex(/^~slot~\d{1,4}$/),
  etag: z.string().min(1),
  webhookId: z.string(),
  leaseUntil: z.string(),
});

export function pbxSlotPartition(integrationId: string): string {
  return encodeKeyPart(integrationId, 'integration id');
}

export const SLOT_ROW_PREFIX = '~slot~';

export function pbxSlotKey(integrationId: string, slot: number): { partitionKey: string; rowKey: string } {
  return { partitionKey: pbxSlotPartition(integrationId), rowKey: `${SLOT_ROW_PREFIX}${slot}` };
}

/** A row of the Deliveries table that is a slot, not a delivery. */
export function isSlotRow(rowKey: string | undefined): boolean {
  return rowKey?.startsWith(SLOT_ROW_PREFIX) === true;
}

export function pbxSlotToEntity(record: PbxSlotRecord) {
  return {
    ...pbxSlotKey(record.integrationId, record.slot),
    webhookId: record.webhookId,
    leaseUntil: record.leaseUntil,
  };
}

export function pbxSlotFromEntity(row: Readonly<Record<string, unknown>>): {
  value: PbxSlotRecord;
  etag: string;
} {
  const { partitionKey, rowKey, etag, webhookId, leaseUntil } = parseStoredRow(
    pbxSlotRowSchema,
    row,
    'PBX slot',
  );
  return {
    value: {
      integrationId: decodeKeyPart(partitionKey),
      slot: Number(rowKey.slice(SLOT_ROW_PREFIX.length)),
      webhookId,
      leaseUntil,
    },
    etag,
  };
}
