// The integration row, kept per instance for a few seconds. Every sync and
// every delivery attempt needs it, and it changes only when an operator edits
// the integration, consent changes or the PBX answers 410, so reading it from
// Table Storage each time was a third of the Table requests per change.
//
// This instance's own writes go through here and replace the cached row with
// what was written and the ETag Table Storage answered with, so the instance
// never reads back a row it has just written and never serves its own change
// stale. Another instance's change shows here within `ttlMs` at the latest;
// docs/performance.md ("The integration row cache") says what that can cause.
// A write that fails on the ETag (someone else changed the row) drops the
// entry, so the retry in optimisticUpdate.ts reads the row afresh.
import type { IntegrationRecord, Versioned } from './records';
import type { IntegrationRepository } from './repositories';

export interface IntegrationCacheOptions {
  /** How long a row read from the table is served without asking again; 0 turns the cache off. */
  ttlMs: number;
  /** The instance's monotonic clock in ms (a wall clock moved back must not keep a row forever). */
  clock?: () => number;
}

interface Entry {
  row: Versioned<IntegrationRecord>;
  readAt: number;
}

/** Wraps the repository; `list` and the writes still go to the table every time. */
export function cachedIntegrations(
  table: IntegrationRepository,
  options: IntegrationCacheOptions,
): IntegrationRepository {
  if (options.ttlMs <= 0) return table;
  const clock = options.clock ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  // Reads of one row in flight at once share one request (a burst of deliveries after start-up).
  const reading = new Map<string, Promise<Versioned<IntegrationRecord> | undefined>>();
  // Grows with every write or drop of a row, so a read that started before one never stores its older answer.
  const generations = new Map<string, number>();
  const generationOf = (id: string) => generations.get(id) ?? 0;
  const bump = (id: string) => generations.set(id, generationOf(id) + 1);

  const remember = (id: string, row: Versioned<IntegrationRecord>) => {
    bump(id);
    entries.set(id, { row: copy(row), readAt: clock() });
  };
  const forget = (id: string) => {
    bump(id);
    entries.delete(id);
  };

  async function readThrough(id: string): Promise<Versioned<IntegrationRecord> | undefined> {
    const pending = reading.get(id);
    if (pending) return pending;
    const generation = generationOf(id);
    const read = table.get(id).then((row) => {
      // Not-found is not kept: an integration created on another instance is seen at once.
      if (row && generationOf(id) === generation) entries.set(id, { row: copy(row), readAt: clock() });
      return row;
    });
    reading.set(id, read);
    try {
      return await read;
    } finally {
      reading.delete(id);
    }
  }

  return {
    async get(id, how) {
      const entry = entries.get(id);
      if (!how?.fresh && entry && clock() - entry.readAt < options.ttlMs && working(entry.row.value)) {
        return copy(entry.row);
      }
      const row = await readThrough(id);
      return row && copy(row);
    },
    list: () => table.list(),
    async create(record) {
      const etag = await table.create(record);
      remember(record.id, { value: record, etag });
      return etag;
    },
    async update(record, etag) {
      try {
        const next = await table.update(record, etag);
        remember(record.id, { value: record, etag: next });
        return next;
      } catch (error) {
        // A conflict means someone else wrote; any other failure leaves unknown whether this write landed.
        forget(record.id);
        throw error;
      }
    },
    async delete(id) {
      forget(id);
      await table.delete(id);
      forget(id);
    },
  };
}

/**
 * Only a row that lets syncs and deliveries run is served from the cache. A
 * stale one can then only keep work going a little longer after another
 * instance stopped it (safe, see docs/performance.md); it can never hold back
 * what another instance just allowed (consent granted again, the integration
 * turned on, the PBX endpoint enabled). Rows in those states are read every time.
 */
function working(record: IntegrationRecord): boolean {
  return record.active && record.consentState === 'granted' && record.pbxEndpoint?.state !== 'disabled';
}

/** Callers change the records they are given (`{ ...record, x }` mostly, but not always): each gets its own. */
function copy(row: Versioned<IntegrationRecord>): Versioned<IntegrationRecord> {
  return { value: structuredClone(row.value), etag: row.etag };
}
