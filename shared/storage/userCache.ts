// The user row, kept per instance for a few seconds (rowCache.ts). A sync
// reads it (the delta link) and writes it (the next delta link); the
// notification's follow-up round comes seconds after the leading one, often
// to the same instance, and would read back the row the leading round had
// just written. Every write from a kept row is conditional on its ETag, so a
// row another instance changed meanwhile is never overwritten: the write
// fails and the sync merges its result into the row read afresh (userSync.ts).
import type { UserRecord } from './records';
import type { UserRepository } from './repositories';
import { createRowCache } from './rowCache';

export interface UserCacheOptions {
  /** How long a row read from the table is served without asking again; 0 turns the cache off. */
  ttlMs: number;
  clock?: () => number;
}

/** Wraps the repository; `listByIntegration` and `findIdByEmail` still go to the table every time. */
export function cachedUsers(table: UserRepository, options: UserCacheOptions): UserRepository {
  if (options.ttlMs <= 0) return table;
  const cache = createRowCache<UserRecord>(options);
  const keyOf = (integrationId: string, userId: string) => JSON.stringify([integrationId, userId]);
  const written = async (record: UserRecord, write: () => Promise<string>): Promise<string> => {
    const key = keyOf(record.integrationId, record.id);
    try {
      const etag = await write();
      cache.remember(key, { value: record, etag });
      return etag;
    } catch (error) {
      cache.forget(key);
      throw error;
    }
  };
  return {
    get: (integrationId, userId, how) =>
      cache.get(keyOf(integrationId, userId), () => table.get(integrationId, userId), how?.fresh),
    listByIntegration: (integrationId) => table.listByIntegration(integrationId),
    findIdByEmail: (integrationId, email) => table.findIdByEmail(integrationId, email),
    upsert: (record) => written(record, () => table.upsert(record)),
    update: (record, etag) => written(record, () => table.update(record, etag)),
    async delete(integrationId, userId) {
      cache.forget(keyOf(integrationId, userId));
      await table.delete(integrationId, userId);
      cache.forget(keyOf(integrationId, userId));
    },
  };
}
