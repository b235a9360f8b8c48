// Rows kept per instance for a few seconds, for the rows every sync or
// delivery reads (integrationCache.ts, userCache.ts). This instance's own
// writes replace the kept row with what was written and the ETag Table
// Storage answered with, so it never reads back a row it has just written;
// another instance's write shows here within the TTL at the latest, and a
// conditional write made from a kept row fails on its ETag if one came
// between. docs/performance.md ("Rows kept per instance") says what each
// cache can cause.
import type { Versioned } from './records';

export interface RowCacheOptions<T> {
  /** How long a row read from the table is served without asking again. */
  ttlMs: number;
  /** The instance's monotonic clock in ms (a wall clock moved back must not keep a row forever). */
  clock?: () => number;
  /** Which rows may be served from the cache; the others are read every time. */
  servable?: (row: T) => boolean;
}

export interface RowCache<T> {
  /** The kept row unless it is too old, not servable or `fresh` is asked; otherwise `read`'s answer, kept. */
  get(
    key: string,
    read: () => Promise<Versioned<T> | undefined>,
    fresh?: boolean,
  ): Promise<Versioned<T> | undefined>;
  /** A row this instance has just written, with the ETag the write answered with. */
  remember(key: string, row: Versioned<T>): void;
  /** After a failed write or a delete: the next read goes to the table. */
  forget(key: string): void;
}

interface Entry<T> {
  row: Versioned<T>;
  readAt: number;
}

export function createRowCache<T>(options: RowCacheOptions<T>): RowCache<T> {
  const clock = options.clock ?? (() => performance.now());
  const servable = options.servable ?? (() => true);
  const entries = new Map<string, Entry<T>>();
  // Reads of one row in flight at once share one request (a burst of deliveries after start-up).
  const reading = new Map<string, Promise<Versioned<T> | undefined>>();
  // Grows with every write or drop of a row, so a read that started before one never stores its older answer.
  const generations = new Map<string, number>();
  const generationOf = (key: string) => generations.get(key) ?? 0;
  const bump = (key: string) => generations.set(key, generationOf(key) + 1);

  async function readThrough(
    key: string,
    read: () => Promise<Versioned<T> | undefined>,
  ): Promise<Versioned<T> | undefined> {
    const pending = reading.get(key);
    if (pending) return pending;
    const generation = generationOf(key);
    const answer = read().then((row) => {
      // Not-found is not kept: a row created on another instance is seen at once.
      if (row && generationOf(key) === generation) entries.set(key, { row: copy(row), readAt: clock() });
      return row;
    });
    reading.set(key, answer);
    try {
      return await answer;
    } finally {
      reading.delete(key);
    }
  }

  return {
    async get(key, read, fresh = false) {
      const entry = entries.get(key);
      if (!fresh && entry && clock() - entry.readAt < options.ttlMs && servable(entry.row.value)) {
        return copy(entry.row);
      }
      const row = await readThrough(key, read);
      return row && copy(row);
    },
    remember(key, row) {
      bump(key);
      entries.set(key, { row: copy(row), readAt: clock() });
    },
    forget(key) {
      bump(key);
      entries.delete(key);
    },
  };
}

/** Callers change the records they are given (`{ ...record, x }` mostly, but not always): each gets its own. */
function copy<T>(row: Versioned<T>): Versioned<T> {
  return { value: structuredClone(row.value), etag: row.etag };
}
