// The one read-modify-write of a stored row: read it with its ETag, apply a
// pure change, write it back only if nobody wrote in between, and try again
// on a fresh read when somebody did. Every service that changes an
// integration or a user row goes through here, so they all share one retry
// policy and none of them can turn a concurrent writer into a 500.
//
// Table Storage's optimistic concurrency: Update Entity with If-Match fails
// with 412 Precondition Failed when the row changed since its ETag was read
// (https://learn.microsoft.com/rest/api/storageservices/update-entity2); the
// repositories turn that (and 404, the row deleted meanwhile) into ConcurrencyError.
import type { BookingRecord } from '../booking/bookingRecord';
import {
  ConcurrencyError,
  type ConsentLinkRecord,
  type IntegrationRecord,
  type UserRecord,
  type Versioned,
} from './records';
import type {
  BookingRepository,
  ConsentLinkRepository,
  IntegrationRepository,
  UserRepository,
} from './repositories';

export type UpdateOutcome<T> =
  | { kind: 'updated'; value: T; etag: string }
  /** The change said there was nothing to do: nothing was written. */
  | { kind: 'unchanged'; value: T; etag: string }
  | { kind: 'notFound' }
  /** Other writers won every round; the row is as they left it. */
  | { kind: 'conflict' };

/** One stored row, as the helper needs it: read with its etag, write conditionally. */
export interface StoredRow<T> {
  read(): Promise<Versioned<T> | undefined>;
  /** Resolves with the new etag; ConcurrencyError when the row changed or went since `etag`. */
  write(next: T, etag: string): Promise<string>;
}

export interface ConflictRetries {
  /** Rounds of read, change, write; the last conflict gives up. */
  attempts: number;
  /** Waits before round `round` (1-based, never before the first). */
  pause(round: number): Promise<void>;
}

/**
 * Conflicts on one row come from a handful of writers (an operator's clicks,
 * a sync, the maintenance run), so a few rounds settle them. The pause is
 * random ("full jitter") so writers that collided once do not collide again
 * in lockstep; it grows per round and stays far below an HTTP timeout
 * (at most 10 + 20 + 40 + 80 ms in all).
 */
export const DEFAULT_CONFLICT_RETRIES: ConflictRetries = {
  attempts: 5,
  pause: (round) => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** (round - 1))),
};

/**
 * Applies `change` to the row's current value. `change` may run several
 * times, each time on a fresh read, so it must be pure: compute the next
 * value from `current` alone (and from values captured before the call),
 * and return undefined when there is nothing to do.
 */
export async function optimisticUpdate<T>(
  row: StoredRow<T>,
  change: (current: T) => T | undefined,
  policy: ConflictRetries = DEFAULT_CONFLICT_RETRIES,
): Promise<UpdateOutcome<T>> {
  for (let round = 0; round < policy.attempts; round++) {
    if (round > 0) await policy.pause(round);
    const stored = await row.read();
    if (!stored) return { kind: 'notFound' };
    const next = change(stored.value);
    if (next === undefined) return { kind: 'unchanged', value: stored.value, etag: stored.etag };
    try {
      return { kind: 'updated', value: next, etag: await row.write(next, stored.etag) };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  return { kind: 'conflict' };
}

export function integrationRow(
  integrations: Pick<IntegrationRepository, 'get' | 'update'>,
  id: string,
): StoredRow<IntegrationRecord> {
  return {
    read: () => integrations.get(id),
    write: (next, etag) => integrations.update(next, etag),
  };
}

export function consentLinkRow(
  links: Pick<ConsentLinkRepository, 'get' | 'update'>,
  linkId: string,
): StoredRow<ConsentLinkRecord> {
  return {
    read: () => links.get(linkId),
    write: (next, etag) => links.update(next, etag),
  };
}

export function userRow(
  users: Pick<UserRepository, 'get' | 'update'>,
  integrationId: string,
  userId: string,
): StoredRow<UserRecord> {
  return {
    read: () => users.get(integrationId, userId),
    write: (next, etag) => users.update(next, etag),
  };
}

/** A booking's row: its state, and its time once moved, change through here. */
export function bookingRow(
  bookings: Pick<BookingRepository, 'get' | 'update'>,
  integrationId: string,
  bookingId: string,
): StoredRow<BookingRecord> {
  return {
    read: () => bookings.get(integrationId, bookingId),
    write: (next, etag) => bookings.update(next, etag),
  };
}

/**
 * For work with no caller to answer (queue handlers, timers): a conflict that
 * outlasted the retries fails the run, so the queue or the next run tries
 * again instead of the change being lost quietly.
 */
export function settledOrThrow<T>(
  outcome: UpdateOutcome<T>,
  what: string,
): Exclude<UpdateOutcome<T>, { kind: 'conflict' }> {
  if (outcome.kind === 'conflict') throw new ConcurrencyError(what);
  return outcome;
}
