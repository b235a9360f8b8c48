// One line of the booking log: which credential asked for what, when, and how
// it went. The console shows it to the operator, so it holds our words and
// the call centre's own booking (its id, the mailbox, the slot, the subject it
// chose), never anything read from other calendar entries: getSchedule's
// subjects and locations of a person's other meetings stay out of every row.
// Rows are kept like the delivery log's delivered rows: past the retention
// period the maintenance run removes them, one partition query per integration.

import type { CredentialGeneration } from './bookingCredential';

export type BookingAction = 'freeTime' | 'book' | 'move' | 'cancel';

/**
 * `done`: did what was asked. `replayed`: a request with a client key already
 * seen, answered with the booking it made then. `slotTaken`: the slot was no
 * longer free when checked just before writing. `outsideGroup`: the mailbox is
 * not in the group the integration may book in. `invalid`: refused input.
 * `notFound`: no such booking or mailbox. `throttled`: the credential's rate
 * limit, or Graph's. `failed`: Graph or storage failed.
 */
export type BookingLogResult =
  | 'done'
  | 'replayed'
  | 'slotTaken'
  | 'outsideGroup'
  | 'invalid'
  | 'notFound'
  | 'throttled'
  | 'failed';

export const BOOKING_ACTIONS: readonly BookingAction[] = ['freeTime', 'book', 'move', 'cancel'];
export const BOOKING_LOG_RESULTS: readonly BookingLogResult[] = [
  'done',
  'replayed',
  'slotTaken',
  'outsideGroup',
  'invalid',
  'notFound',
  'throttled',
  'failed',
];

export interface BookingLogEntry {
  integrationId: string;
  /** Ours, minted by the storage (shared/storage/bookingLogEntity.ts): rows list newest first by it. */
  entryId: string;
  /** When it was asked (UTC ISO). */
  at: string;
  /** Which key asked: `bookingCredentialId` of its hash, never the key. */
  credentialId: string;
  /** Whether that was the current key or the one a rotation replaced (during the overlap). */
  credential: CredentialGeneration;
  action: BookingAction;
  result: BookingLogResult;
  bookingId?: string;
  /** The one mailbox a book, move or cancel touched (Graph user id). */
  userId?: string;
  /** For free time: how many mailboxes were asked about. */
  userCount?: number;
  /** The slot booked or moved to, or the period free time was asked for (UTC ISO). */
  start?: string;
  end?: string;
  /** The call centre's own subject of the booking, for book and move. */
  subject?: string;
  /** Why it was refused or failed, in our words (a field name, "Graph 503"); never text from a calendar. */
  reason?: string;
}

/** How long the booking log keeps a row, in days: the delivery log's default (RETENTION_DAYS in shared/config.ts). */
export const BOOKING_LOG_RETENTION_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant before which log rows are removed (UTC ISO), for `retentionDays` (the deployment's RETENTION_DAYS). */
export function bookingLogCutoff(now: Date, retentionDays: number = BOOKING_LOG_RETENTION_DAYS): string {
  return new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
}
