// The integration row, kept per instance for a few seconds (rowCache.ts).
// Every sync and every delivery attempt needs it, and it changes only when an
// operator edits the integration, consent changes or the PBX answers 410, so
// reading it from Table Storage each time was a third of the Table requests
// per change. docs/performance.md ("Rows kept per instance") says what a row
// another instance changed can cause here.
import type { IntegrationRecord } from './records';
import type { IntegrationRepository } from './repositories';
import { createRowCache } from './rowCache';

export interface IntegrationCacheOptions {
  /** How long a row read from the table is served without asking again; 0 turns the cache off. */
  ttlMs: number;
  /** The instance's monotonic clock in ms (a wall clock moved back must not keep a row forever). */
  clock?: () => number;
}

/** Wraps the repository; `list` and the writes still go to the table every time. */
export function cachedIntegrations(
  table: IntegrationRepository,
  options: IntegrationCacheOptions,
): IntegrationRepository {
  if (options.ttlMs <= 0) return table;
  const cache = createRowCache<IntegrationRecord>({ ...options, servable: working });
  return {
    get: (id, how) => cache.get(id, () => table.get(id), how?.fresh),
    list: () => table.list(),
    async create(record) {
      const etag = await table.create(record);
      cache.remember(record.id, { value: record, etag });
      return etag;
    },
    async update(record, etag) {
      try {
        const next = await table.update(record, etag);
        cache.remember(record.id, { value: record, etag: next });
        return next;
      } catch (error) {
        // A conflict means someone else wrote; any other failure leaves unknown whether this write landed.
        cache.forget(record.id);
        throw error;
      }
    },
    async delete(id) {
      cache.forget(id);
      await table.delete(id);
      cache.forget(id);
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
