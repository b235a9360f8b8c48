// Table Storage behind the booking ports: the Bookings table (bookings and
// their index rows, bookingEntity.ts) and the BookingLog table
// (bookingLogEntity.ts), both one partition per integration, every read a
// point read or a range query of one partition.

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { canonicalUtc } from './absenceEntity';
import {
  BOOKING_ROWS_FROM,
  BOOKING_ROWS_TO,
  bookingFromEntity,
  bookingIdOfPointer,
  bookingKey,
  bookingPartition,
  bookingPointerEntities,
  bookingToEntity,
  clientKeyRowKey,
  eventRowKey,
} from './bookingEntity';
import { bookingLogFromEntity, bookingLogPartition, bookingLogToEntity } from './bookingLogEntity';
import { ConcurrencyError } from './records';
import type { BookingLogRepository, BookingRepository } from './repositories';
import { statusOf } from './tableErrors';
import { deleteInTransactions, getRow, type Row, replaceRow } from './tableRows';

/** A page holds at most 1,000 rows (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination). */
const PAGE_MAX = 1000;

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('limit must be a whole number of at least 1');
  return limit;
}

/**
 * The first `limit` rows of a partition's RowKey range, in RowKey order. A
 * page may hold fewer rows than asked although more follow (the service cuts
 * pages at its own limits), so pages are read until enough came.
 */
async function firstRows(table: TableClient, filter: string, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
    .byPage({ maxPageSize: Math.min(checkedLimit(limit), PAGE_MAX) });
  for await (const page of pages) {
    for (const row of page) {
      rows.push(row);
      if (rows.length >= limit) return rows;
    }
  }
  return rows;
}

export function bookingRepository(table: TableClient): BookingRepository {
  const what = (bookingId: string) => `booking ${bookingId}`;
  const byPointer = async (key: { partitionKey: string; rowKey: string }, integrationId: string) => {
    const pointer = await getRow(table, key);
    if (!pointer) return undefined;
    const row = await getRow(table, bookingKey(integrationId, bookingIdOfPointer(pointer)));
    return row && bookingFromEntity(row);
  };
  return {
    async create(record) {
      const booking = bookingToEntity(record);
      // Insert Entity in a transaction: one row that exists fails all of them, so the
      // booking and its indexes are written together or not at all
      // (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
      const actions: TransactionAction[] = [
        ['create', booking],
        ...bookingPointerEntities(record).map((entity): TransactionAction => ['create', entity]),
      ];
      try {
        await table.submitTransaction(actions);
      } catch (error) {
        if (statusOf(error) === 409) throw new ConcurrencyError(what(record.bookingId));
        throw error;
      }
      // A transaction's answer carries no etag for its rows; one point read gets it.
      const written = await getRow(table, booking);
      if (!written) throw new ConcurrencyError(what(record.bookingId));
      return bookingFromEntity(written).etag;
    },
    async get(integrationId, bookingId) {
      const row = await getRow(table, bookingKey(integrationId, bookingId));
      return row && bookingFromEntity(row);
    },
    findByClientKey: (integrationId, clientKey) =>
      byPointer(clientKeyRowKey(integrationId, clientKey), integrationId),
    findByEvent: (integrationId, userId, graphEventId) =>
      byPointer(eventRowKey(integrationId, userId, graphEventId), integrationId),
    async listRecent(integrationId, limit) {
      const rows = await firstRows(
        table,
        odata`PartitionKey eq ${bookingPartition(integrationId)} and RowKey ge ${BOOKING_ROWS_FROM} and RowKey lt ${BOOKING_ROWS_TO}`,
        limit,
      );
      return rows.map((row) => bookingFromEntity(row).value);
    },
    update: (record, etag) => replaceRow(table, bookingToEntity(record), what(record.bookingId), etag),
  };
}

export function bookingLogRepository(table: TableClient): BookingLogRepository {
  return {
    async record(entry) {
      await table.upsertEntity(bookingLogToEntity(entry), 'Replace');
    },
    async listRecent(integrationId, limit) {
      const rows = await firstRows(
        table,
        odata`PartitionKey eq ${bookingLogPartition(integrationId)}`,
        limit,
      );
      return rows.map(bookingLogFromEntity);
    },
    async deleteBefore(integrationId, before) {
      const partitionKey = bookingLogPartition(integrationId);
      const cutoff = canonicalUtc(before, 'before');
      const rows = table.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and at lt ${cutoff}`,
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
