import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { addressKey } from '../domain/mailAddress';
import {
  absenceFromEntity,
  absencePartition,
  absenceRowKey,
  absenceToEntity,
  canonicalUtc,
} from './absenceEntity';
import { bookingLogRepository, bookingRepository } from './bookingTables';
import { consentLinkFromEntity, consentLinkKey, consentLinkToEntity } from './consentLinkEntity';
import {
  DELIVERY_SUMMARY_COLUMNS,
  deliveryFromEntity,
  deliveryKey,
  deliveryToEntity,
} from './deliveryLogEntity';
import {
  INTEGRATION_PARTITION,
  integrationFromEntity,
  integrationKey,
  integrationToEntity,
} from './integrationEntity';
import {
  isSlotRow,
  pbxSlotFromEntity,
  pbxSlotKey,
  pbxSlotPartition,
  pbxSlotToEntity,
  SLOT_ROW_PREFIX,
} from './pbxSlotEntity';
import type {
  AbsenceRepository,
  ConsentLinkRepository,
  DeliveryLogRepository,
  IntegrationRepository,
  PbxSlotRepository,
  Repositories,
  SlotRelease,
  SubscriptionRepository,
  UserRepository,
} from './repositories';
import {
  ewsHeardEntity,
  SUBSCRIPTION_INDEX_MARKER,
  subscriptionFromEntity,
  subscriptionIndexEntity,
  subscriptionIndexKey,
  subscriptionIndexPartition,
  subscriptionKey,
  subscriptionToEntity,
} from './subscriptionEntity';
import { createTableClients, type TableConnection } from './tableClients';
import { ignoringNotFound, statusOf } from './tableErrors';
import { decodeKeyPart } from './tableKeys';
import {
  deleteInTransactions,
  type Entity,
  getRow,
  insertRow,
  listRows,
  replaceRow,
  transactions,
  upsertInTransactions,
} from './tableRows';
import { userFromEntity, userKey, userPartition, userToEntity } from './userEntity';

/**
 * Delivery rows and the deletes of PBX slots given back, one transaction per
 * integration's partition. A transaction's delete cannot carry an ETag (the
 * SDK sends it unconditionally), which is safe here: a slot is given back
 * while its lease still runs (parkedSlots.ts), and only a slot whose lease has
 * passed can be taken over by another instance. A slot row already gone
 * fails the whole transaction; its rows are then written without it.
 * https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 */
async function writeWithReleases(
  table: TableClient,
  entities: Entity[],
  released: readonly SlotRelease[],
): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  const add = (partitionKey: string, action: TransactionAction) =>
    byPartition.set(partitionKey, [...(byPartition.get(partitionKey) ?? []), action]);
  const rows = new Map(entities.map((entity) => [`${entity.partitionKey}\n${entity.rowKey}`, entity]));
  for (const entity of rows.values()) add(entity.partitionKey, ['upsert', entity, 'Replace']);
  for (const slot of released) {
    const key = pbxSlotKey(slot.integrationId, slot.slot);
    add(key.partitionKey, ['delete', key]);
  }
  for (const actions of byPartition.values()) {
    for (const batch of transactions(actions)) {
      try {
        await table.submitTransaction(batch);
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        const upserts = batch.filter(([kind]) => kind === 'upsert');
        if (upserts.length > 0) await table.submitTransaction(upserts);
        for (const [kind, entity] of batch) {
          if (kind === 'delete')
            await ignoringNotFound(() => table.deleteEntity(entity.partitionKey, entity.rowKey));
        }
      }
    }
  }
}

function integrationRepository(table: TableClient): IntegrationRepository {
  const what = (id: string) => `integration ${id}`;
  return {
    async get(id) {
      const row = await getRow(table, integrationKey(id));
      return row && integrationFromEntity(row);
    },
    async list() {
      const rows = await listRows(table, odata`PartitionKey eq ${INTEGRATION_PARTITION}`);
      return rows.map((row) => integrationFromEntity(row).value);
    },
    async create(record) {
      return insertRow(table, integrationToEntity(record), what(record.id));
    },
    async update(record, etag) {
      return replaceRow(table, integrationToEntity(record), what(record.id), etag);
    },
    async delete(id) {
      const key = integrationKey(id);
      await ignoringNotFound(() => table.deleteEntity(key.partitionKey, key.rowKey));
    },
  };
}

function consentLinkRepository(table: TableClient): ConsentLinkRepository {
  const what = (id: string) => `consent link ${id}`;
  return {
    async get(linkId) {
      const row = await getRow(table, consentLinkKey(linkId));
      return row && consentLinkFromEntity(row);
    },
    create: (record) => insertRow(table, consentLinkToEntity(record), what(record.linkId)),
    update: (record, etag) => replaceRow(table, consentLinkToEntity(record), what(record.linkId), etag),
  };
}

function userRepository(table: TableClient): UserRepository {
  const what = (integrationId: string, userId: string) => `user ${userId} of integration ${integrationId}`;
  return {
    async get(integrationId, userId) {
      const row = await getRow(table, userKey(integrationId, userId));
      return row && userFromEntity(row);
    },
    async listByIntegration(integrationId) {
      const rows = await listRows(table, odata`PartitionKey eq ${userPartition(integrationId)}`);
      return rows.map((row) => userFromEntity(row).value);
    },
    async findIdByEmail(integrationId, email) {
      // Graph keeps `mail` as the tenant wrote it and a filter compares case-sensitively,
      // so the comparison is ours; only two small properties per user travel.
      const wanted = addressKey(email);
      const rows = table.listEntities<{ email?: unknown }>({
        queryOptions: {
          filter: odata`PartitionKey eq ${userPartition(integrationId)}`,
          select: ['RowKey', 'email'],
        },
      });
      for await (const row of rows) {
        if (typeof row.email === 'string' && addressKey(row.email) === wanted)
          return decodeKeyPart(row.rowKey ?? '');
      }
      return undefined;
    },
    async upsert(record) {
      return replaceRow(table, userToEntity(record), what(record.integrationId, record.id));
    },
    async update(record, etag) {
      return replaceRow(table, userToEntity(record), what(record.integrationId, record.id), etag);
    },
    async delete(integrationId, userId) {
      const key = userKey(integrationId, userId);
      await ignoringNotFound(() => table.deleteEntity(key.partitionKey, key.rowKey));
    },
  };
}

/**
 * Two rows per subscription (see subscriptionEntity.ts), in different
 * partitions, so not one transaction: its own row is written first and
 * deleted last. A copy that failed to be written makes the maintenance run
 * see the user without a subscription and re-create it; a copy left behind
 * names a subscription no user points at, and readers match users by
 * `subscriptionId`, so it is never counted.
 */
function subscriptionRepository(table: TableClient): SubscriptionRepository {
  let indexed = false;
  return {
    async get(subscriptionId) {
      const row = await getRow(table, subscriptionKey(subscriptionId));
      return row && subscriptionFromEntity(row);
    },
    async list() {
      return (await listRows(table, odata`RowKey eq ${''}`)).map(subscriptionFromEntity);
    },
    async listByIntegration(integrationId) {
      const rows = await listRows(table, odata`PartitionKey eq ${subscriptionIndexPartition(integrationId)}`);
      return rows.map(subscriptionFromEntity);
    },
    async ensureIntegrationIndex() {
      if (indexed) return 0;
      if (await getRow(table, SUBSCRIPTION_INDEX_MARKER)) {
        indexed = true;
        return 0;
      }
      // Once per deployment: the only scan left, copying rows written before the copies existed.
      const byIntegration = new Map<string, TransactionAction[]>();
      for (const row of await listRows(table, odata`RowKey eq ${''}`)) {
        const record = subscriptionFromEntity(row);
        // An EWS subscription was written with its copy, and the copy holds its newest watermark: never overwrite it.
        if (record.ews) continue;
        const entity = subscriptionIndexEntity(record);
        const actions = byIntegration.get(entity.partitionKey) ?? [];
        actions.push(['upsert', entity, 'Replace']);
        byIntegration.set(entity.partitionKey, actions);
      }
      let copied = 0;
      for (const actions of byIntegration.values()) {
        for (const batch of transactions(actions)) await table.submitTransaction(batch);
        copied += actions.length;
      }
      await table.upsertEntity(SUBSCRIPTION_INDEX_MARKER, 'Replace');
      indexed = true;
      return copied;
    },
    async upsert(record) {
      await table.upsertEntity(subscriptionToEntity(record), 'Replace');
      await table.upsertEntity(subscriptionIndexEntity(record), 'Replace');
    },
    async upsertMany(records) {
      // Each own row is a partition of its own, so one request each; the copies share their integration's.
      await Promise.all(records.map((record) => table.upsertEntity(subscriptionToEntity(record), 'Replace')));
      await upsertInTransactions(table, records.map(subscriptionIndexEntity));
    },
    async delete(subscriptionId) {
      const key = subscriptionKey(subscriptionId);
      const row = await getRow(table, key);
      if (!row) return;
      const copy = subscriptionIndexKey(subscriptionFromEntity(row));
      await ignoringNotFound(() => table.deleteEntity(copy.partitionKey, copy.rowKey));
      await ignoringNotFound(() => table.deleteEntity(key.partitionKey, key.rowKey));
    },
    async recordEwsHeard(record, heard) {
      // Merge with ETag "*": updates an existing row only, so a copy deleted meanwhile is not brought back half.
      await ignoringNotFound(() => table.updateEntity(ewsHeardEntity(record, heard), 'Merge'));
    },
  };
}

function absenceRepository(table: TableClient): AbsenceRepository {
  return {
    async listForUser(integrationId, userId) {
      const rows = await listRows(table, odata`PartitionKey eq ${absencePartition(integrationId, userId)}`);
      return rows.map(absenceFromEntity);
    },
    async upsertMany(records) {
      await upsertInTransactions(table, records.map(absenceToEntity));
    },
    async deleteMany(integrationId, userId, absenceIds) {
      await deleteInTransactions(
        table,
        absencePartition(integrationId, userId),
        absenceIds.map(absenceRowKey),
      );
    },
    async deleteAllForUser(integrationId, userId) {
      const partitionKey = absencePartition(integrationId, userId);
      const rowKeys: string[] = [];
      const rows = table.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey'] },
      });
      for await (const row of rows) rowKeys.push(row.rowKey ?? '');
      await deleteInTransactions(table, partitionKey, rowKeys);
    },
    async deleteEndedBefore(integrationId, userId, endedBefore) {
      const partitionKey = absencePartition(integrationId, userId);
      const limit = canonicalUtc(endedBefore, 'endedBefore');
      const rowKeys: string[] = [];
      const rows = table.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and endUtc lt ${limit}`,
          select: ['RowKey'],
        },
      });
      for await (const row of rows) rowKeys.push(row.rowKey ?? '');
      await deleteInTransactions(table, partitionKey, rowKeys);
      return rowKeys.length;
    },
  };
}

function deliveryLogRepository(table: TableClient): DeliveryLogRepository {
  const partitionOf = (integrationId: string) => deliveryKey(integrationId, '-').partitionKey;
  return {
    async record(entry) {
      await table.upsertEntity(deliveryToEntity(entry), 'Replace');
    },
    // Without an instance to gather rows in, "soon" is now (the runtime batches: deliveryLogBatch.ts).
    async recordSoon(entry) {
      await table.upsertEntity(deliveryToEntity(entry), 'Replace');
    },
    async recordMany(entries, releasedSlots = []) {
      if (releasedSlots.length === 0) {
        await upsertInTransactions(table, entries.map(deliveryToEntity));
        return;
      }
      await writeWithReleases(table, entries.map(deliveryToEntity), releasedSlots);
    },
    async get(integrationId, webhookId) {
      const row = await getRow(table, deliveryKey(integrationId, webhookId));
      return row && deliveryFromEntity(row);
    },
    async listForIntegration(integrationId) {
      const rows = table.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionOf(integrationId)}`,
          select: DELIVERY_SUMMARY_COLUMNS,
        },
      });
      const records = [];
      // The partition also holds the integration's PBX slots (at most the cap of rows).
      for await (const row of rows) if (!isSlotRow(row.rowKey)) records.push(deliveryFromEntity(row));
      return records;
    },
    async listFailed(integrationId) {
      const rows = await listRows(
        table,
        odata`PartitionKey eq ${partitionOf(integrationId)} and state eq ${'failed'}`,
      );
      return rows.map(deliveryFromEntity);
    },
    async deleteDeliveredBefore(integrationId, before) {
      const partitionKey = partitionOf(integrationId);
      const rows = table.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and state eq ${'delivered'} and updatedAt lt ${before}`,
          select: ['RowKey'],
        },
      });
      const rowKeys: string[] = [];
      for await (const row of rows) rowKeys.push(row.rowKey ?? '');
      await deleteInTransactions(table, partitionKey, rowKeys);
      return rowKeys.length;
    },
  };
}

/**
 * Every call is conditional, so two workers can never hold one slot: Insert
 * Entity answers 409 when the row exists
 * (https://learn.microsoft.com/rest/api/storageservices/insert-entity), Update
 * and Delete Entity with If-Match answer 412 when it changed since it was read
 * (https://learn.microsoft.com/rest/api/storageservices/update-entity2,
 * https://learn.microsoft.com/rest/api/storageservices/delete-entity1).
 */
function pbxSlotRepository(table: TableClient): PbxSlotRepository {
  const what = (integrationId: string, slot: number) => `PBX slot ${slot} of integration ${integrationId}`;
  return {
    async list(integrationId) {
      // The slot rows of the partition: `~` sorts after every digit, so the range holds them all.
      const rows = await listRows(
        table,
        odata`PartitionKey eq ${pbxSlotPartition(integrationId)} and RowKey ge ${SLOT_ROW_PREFIX} and RowKey lt ${`${SLOT_ROW_PREFIX}~`}`,
      );
      return rows.map(pbxSlotFromEntity);
    },
    create: (record) => insertRow(table, pbxSlotToEntity(record), what(record.integrationId, record.slot)),
    takeOver: (record, etag) =>
      replaceRow(table, pbxSlotToEntity(record), what(record.integrationId, record.slot), etag),
    async release(integrationId, slot, etag) {
      const key = pbxSlotKey(integrationId, slot);
      try {
        await table.deleteEntity(key.partitionKey, key.rowKey, { etag });
        return true;
      } catch (error) {
        const status = statusOf(error);
        if (status === 412 || status === 404) return false;
        throw error;
      }
    },
  };
}

/** Table Storage behind the repository ports; creates the tables (TABLE_NAMES) when missing. */
export async function createTableRepositories(connection: TableConnection): Promise<Repositories> {
  const tables = await createTableClients(connection);
  return {
    integrations: integrationRepository(tables.Integrations),
    users: userRepository(tables.Users),
    subscriptions: subscriptionRepository(tables.Subscriptions),
    absences: absenceRepository(tables.Absences),
    deliveries: deliveryLogRepository(tables.Deliveries),
    consentLinks: consentLinkRepository(tables.ConsentLinks),
    pbxSlots: pbxSlotRepository(tables.Deliveries),
    bookings: bookingRepository(tables.Bookings),
    bookingLog: bookingLogRepository(tables.BookingLog),
  };
}
