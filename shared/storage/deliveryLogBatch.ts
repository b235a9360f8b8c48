// The delivery log's rows of webhooks delivered at their first attempt,
// gathered per instance and written together: one entity-group transaction
// per integration (its partition) and per 100 rows, instead of one request per
// webhook. They are most of the log and nothing depends on them but the
// dashboard's count of delivered webhooks: replay reads failed rows, and the
// dashboard's errors come from pending and failed ones, which the delivery
// attempt still writes at once (as it writes a delivered row that replaces an
// earlier pending or failed one). docs/performance.md ("The delivery log")
// says what an instance that stops before its next write costs. PBX slots the
// instance gives back go with them: the slots are rows of the same partition
// (pbxSlotEntity.ts), so their deletes ride in the same transactions.
import type { DeliveryLogRecord } from './records';
import type { DeliveryLogRepository, SlotRelease } from './repositories';

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
  /**
   * Deletes a PBX slot's row with the next write of gathered rows; resolves
   * once that write is done (or failed: the slot's lease then frees it).
   */
  releaseSlotSoon(release: SlotRelease): Promise<void>;
};

export function batchedDeliveryLog(
  table: DeliveryLogRepository,
  options: DeliveryLogBatchOptions,
): BatchedDeliveryLog {
  const keyOf = (entry: Pick<DeliveryLogRecord, 'integrationId' | 'webhookId'>) =>
    JSON.stringify([entry.integrationId, entry.webhookId]);
  let waiting = new Map<string, DeliveryLogRecord>();
  let releases: SlotRelease[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Settles when the flush that writes what is gathered now has written it.
  let nextWrite = settlement();
  // Writes in progress: a read waits for them too, so this instance reads what it recorded.
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = [...waiting.values()];
    const slots = releases;
    const written = nextWrite;
    waiting = new Map();
    releases = [];
    nextWrite = settlement();
    if (rows.length + slots.length > 0) {
      const write = table
        .recordMany(rows, slots)
        .catch((error: unknown) => options.onWriteFailed(error, rows.length));
      writing = Promise.all([writing, write]).then(() => undefined);
    }
    void writing.then(written.settle);
    return writing;
  }

  const settled = async <T>(read: () => Promise<T>): Promise<T> => {
    await flush();
    return read();
  };

  const flushSoon = () => {
    if (timer) return;
    timer = setTimeout(() => void flush(), options.delayMs);
    // Gathered rows never keep a process alive that has nothing else to do.
    timer.unref();
  };

  return {
    async recordSoon(entry) {
      waiting.set(keyOf(entry), entry);
      if (waiting.size + releases.length >= ROWS_PER_TRANSACTION) {
        await flush();
        return;
      }
      flushSoon();
    },
    async releaseSlotSoon(release) {
      releases.push(release);
      if (waiting.size + releases.length >= ROWS_PER_TRANSACTION) {
        await flush();
        return;
      }
      // The write that will carry this delete: the next flush's.
      const carried = nextWrite.done;
      flushSoon();
      await carried;
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

function settlement(): { done: Promise<void>; settle: () => void } {
  let settle = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { done, settle };
}
