// The few ways the repositories read and write rows, shared by every table:
// a point read that answers undefined for a missing row, a partition query,
// conditional insert and replace that turn Table Storage's 409/412 into
// ConcurrencyError, and entity-group transactions cut to the service's limits.

import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { ConcurrencyError } from './records';
import { ignoringNotFound, statusOf } from './tableErrors';

export type Row = TableEntityResult<Record<string, unknown>>;
export type Entity = { partitionKey: string; rowKey: string } & Record<string, unknown>;

/** Table Storage takes at most 100 operations and 4 MiB per transaction, all in one partition. */
const TRANSACTION_MAX_ACTIONS = 100;
const TRANSACTION_MAX_BYTES = 3 * 1024 * 1024;

export async function getRow(
  table: TableClient,
  key: { partitionKey: string; rowKey: string },
): Promise<Row | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(key.partitionKey, key.rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export async function listRows(table: TableClient, filter?: string): Promise<Row[]> {
  const rows: Row[] = [];
  const query = filter === undefined ? {} : { queryOptions: { filter } };
  for await (const row of table.listEntities<Record<string, unknown>>(query)) rows.push(row);
  return rows;
}

export async function insertRow(table: TableClient, entity: Entity, what: string): Promise<string> {
  try {
    return etagOf(await table.createEntity(entity), what);
  } catch (error) {
    if (statusOf(error) === 409) throw new ConcurrencyError(what);
    throw error;
  }
}

/** Replace, not merge: properties the record no longer has must leave the row too. */
export async function replaceRow(
  table: TableClient,
  entity: Entity,
  what: string,
  etag?: string,
): Promise<string> {
  if (etag === undefined) return etagOf(await table.upsertEntity(entity, 'Replace'), what);
  try {
    return etagOf(await table.updateEntity(entity, 'Replace', { etag }), what);
  } catch (error) {
    // 404: deleted since it was read, which is a concurrent change as well.
    const status = statusOf(error);
    if (status === 412 || status === 404) throw new ConcurrencyError(what);
    throw error;
  }
}

/**
 * Insert, Update and Insert Or Replace Entity all answer with the row's new
 * ETag header (https://learn.microsoft.com/rest/api/storageservices/insert-entity,
 * https://learn.microsoft.com/rest/api/storageservices/update-entity2,
 * https://learn.microsoft.com/rest/api/storageservices/insert-or-replace-entity);
 * the SDK's generated header types make every header optional.
 */
export function etagOf(response: { etag?: string }, what: string): string {
  if (response.etag === undefined)
    throw new Error(`Table Storage wrote ${what} but answered without an ETag`);
  return response.etag;
}

function roughBytes(entity: Entity): number {
  return JSON.stringify(entity).length * 2;
}

/** Splits one partition's actions into transactions within the service's limits. */
export function* transactions(actions: TransactionAction[]): Generator<TransactionAction[]> {
  let batch: TransactionAction[] = [];
  let bytes = 0;
  for (const action of actions) {
    const size = roughBytes(action[1] as Entity);
    if (
      batch.length === TRANSACTION_MAX_ACTIONS ||
      (batch.length > 0 && bytes + size > TRANSACTION_MAX_BYTES)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(action);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

export async function deleteInTransactions(
  table: TableClient,
  partitionKey: string,
  rowKeys: string[],
): Promise<void> {
  const actions: TransactionAction[] = [...new Set(rowKeys)].map((rowKey) => [
    'delete',
    { partitionKey, rowKey },
  ]);
  for (const batch of transactions(actions)) {
    try {
      await table.submitTransaction(batch);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      // One row already gone fails the whole transaction; delete the rest one by one.
      for (const [, entity] of batch) {
        await ignoringNotFound(() => table.deleteEntity(entity.partitionKey, entity.rowKey));
      }
    }
  }
}

/**
 * Insert-or-replaces rows in entity-group transactions, one partition at a
 * time: at most 100 entities and 4 MiB each, one operation per entity
 * (https://learn.microsoft.com/azure/storage/tables/scalability-targets), so
 * for repeated keys the last entity wins.
 */
export async function upsertInTransactions(table: TableClient, entities: Entity[]): Promise<void> {
  const byPartition = new Map<string, Map<string, Entity>>();
  for (const entity of entities) {
    const partition = byPartition.get(entity.partitionKey) ?? new Map<string, Entity>();
    partition.set(entity.rowKey, entity);
    byPartition.set(entity.partitionKey, partition);
  }
  for (const partition of byPartition.values()) {
    const actions: TransactionAction[] = [...partition.values()].map((entity) => [
      'upsert',
      entity,
      'Replace',
    ]);
    for (const batch of transactions(actions)) await table.submitTransaction(batch);
  }
}
