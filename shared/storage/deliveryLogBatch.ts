// The delivery log's rows of webhooks delivered at their first attempt,
// gathered per instance and written together: one entity-group transaction
// per integration (its partition) and per 100 rows, instead of one request per
// webhook. They are most of the log and nothing depends on them but the
// dashboard's count of delivered webhooks: replay reads failed rows, and the
// dashboard's errors come from pending and failed ones, which the delivery
// attempt still writes at once (as it writes a delivered row that replaces an
// earlier pending or failed one). docs/performance.md ("The delivery log")
// says what an instance that stops before its next write costs.
import type { DeliveryLogRecord } from './records';
import type { DeliveryLogRepository } from './repositories';

/** Entity-group transactions take at most 100 operations. */
const ROWS_PER_TRANSACTION = 100;

export interface DeliveryLogBatchOptions {
  /** How long a row may wait for others; a full transaction's worth is written at once. */
  delayMs: number;
  /** A write of gathered rows failed; they are dropped (the webhooks went out all the same). */
  onWriteFailed(error: unknown, rows: number): void;
}

export type BatchedDeliveryLog = DeliveryLogRepository & {
  /** Writes what is gathered now; never throws (see `onWriteFailed`). */
  flush(): Promise<void>;
};

export function batchedDeliveryLog(
  table: DeliveryLogRepository,
  options: DeliveryLogBatchOptions,
): BatchedDeliveryLog {
  const keyOf = (entry: Pick<DeliveryLogRecord, 'integrationId' | 'webhookId'>) =>
    JSON.stringify([entry.integrationId, entry.webhookId]);
  let waiting = new Map<string, DeliveryLogRecord>();
  let timer: NodeJS.Timeout | undefined;
  // Writes in progress: a read waits for them too, so this instance reads what it recorded.
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = [...waiting.values()];
    waiting = new Map();
    if (rows.length > 0) {
      const write = table
        .recordMany(rows)
        .catch((error: unknown) => options.onWriteFailed(error, rows.length));
      writing = Promise.all([writing, write]).then(() => undefined);
    }
    return writing;
  }

  const settled = async <T>(read: () => Promise<T>): Promise<T> => {
    await flush();
    return read();
  };

  return {
    async recordSoon(entry) {
      waiting.set(keyOf(entry), entry);
      if (waiting.size >= ROWS_PER_TRANSACTION) {
        await flush();
        return;
      }
      if (!timer) {
        timer = setTimeout(() => void flush(), options.delayMs);
        // Gathered rows never keep a process alive that has nothing else to do.
        timer.unref();
      }
    },
    async record(entry) {
      // This row is newer than one still gathered for the same webhook.
      waiting.delete(keyOf(entry));
      await writing;
      await table.record(entry);
    },
    recordMany: (entries) => table.recordMany(entries),
    get: (integrationId, webhookId) => settled(() => table.get(integrationId, webhookId)),
    listForIntegration: (integrationId) => settled(() => table.listForIntegration(integrationId)),
    listFailed: (integrationId) => settled(() => table.listFailed(integrationId)),
    deleteDeliveredBefore: (integrationId, before) =>
      settled(() => table.deleteDeliveredBefore(integrationId, before)),
    flush,
  };
}
