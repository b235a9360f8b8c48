// How the PBX call slots are stored: one partition per integration, one row
// per slot taken (row key: the slot's number), holding the lease that says
// until when the slot is taken. A released slot has no row; a row whose lease
// has passed belongs to a worker that never released it and may be taken over.

import { z } from 'zod';
import type { PbxSlotRecord } from './records';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const pbxSlotRowSchema = z.object({
  partitionKey: z.string().min(1),
  rowKey: z.string().regex(/^\d{1,4}$/),
  etag: z.string().min(1),
  webhookId: z.string(),
  leaseUntil: z.string(),
});

export function pbxSlotPartition(integrationId: string): string {
  return encodeKeyPart(integrationId, 'integration id');
}

export function pbxSlotKey(integrationId: string, slot: number): { partitionKey: string; rowKey: string } {
  return { partitionKey: pbxSlotPartition(integrationId), rowKey: String(slot) };
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
    value: { integrationId: decodeKeyPart(partitionKey), slot: Number(rowKey), webhookId, leaseUntil },
    etag,
  };
}
