// One appointment the call centre booked in a person's calendar, as we keep
// it: which integration's credential booked it, in whose mailbox, under which
// client key (the call centre's idempotency key: the same request sent twice
// is one booking), the Graph event it became and the transactionId it was
// created with (Graph's guard against a create sent twice,
// https://learn.microsoft.com/graph/api/resources/event), and its state as
// far as we know it. Only what the call centre itself sent is kept: never
// anything read from the person's other calendar entries, and not the note
// for the attendee either (it went to Outlook; we need it for nothing).

import { createHash } from 'node:crypto';

/**
 * `booked`: created and, as far as we know, where it was put. `moved`: its
 * time changed after it was booked, by the call centre through the API or by
 * the person in Outlook (start and end are then the new ones). `cancelled`:
 * the call centre cancelled it (the event was deleted). `goneInOutlook`: the
 * event disappeared without the call centre asking (the person deleted or
 * declined it), which change notifications tell us.
 */
export type BookingState = 'booked' | 'moved' | 'cancelled' | 'goneInOutlook';

export const BOOKING_STATES: readonly BookingState[] = ['booked', 'moved', 'cancelled', 'goneInOutlook'];

export interface BookingRecord {
  integrationId: string;
  /** Ours, minted by the storage (shared/storage/bookingEntity.ts, `newBookingId`): the rows list newest first by it. */
  bookingId: string;
  /** Graph user id (object id) of the mailbox booked in. */
  userId: string;
  /** The mailbox's address, as the call centre named it. */
  mailbox: string;
  /** The call centre's idempotency key for the request that created it; unique within the integration. */
  clientKey: string;
  graphEventId: string;
  /** What the event was created with; set once, never changed (Graph does not let it change). */
  transactionId: string;
  /** The call centre's own subject for the appointment. */
  subject: string;
  /** UTC ISO instants. */
  start: string;
  end: string;
  location?: string;
  /** The call centre's reference for the caller (a ticket or customer number), as sent. */
  callerReference?: string;
  state: BookingState;
  createdAt: string;
  updatedAt: string;
}

/**
 * The transactionId a booking's event is created with: the same for the same
 * integration and client key, so a create we repeat after a crash between
 * Graph's answer and our write (or the call centre's retry racing its first
 * request) is the one Graph already has, not a second appointment. Hashed, so
 * whatever text the call centre chose as its key (any length, any character)
 * becomes 32 hex digits, and one integration's key never names another's event.
 */
export function bookingTransactionId(integrationId: string, clientKey: string): string {
  return createHash('sha256')
    .update(JSON.stringify([integrationId, clientKey]), 'utf8')
    .digest('hex')
    .slice(0, 32);
}
