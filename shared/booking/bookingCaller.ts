// Who is calling the booking API: the call-centre system of one integration,
// known by its ccbk_ key (bookingCredential.ts) and nothing else. Every way a
// key fails (no key, a malformed one, an unknown integration, a revoked or a
// wrong key) answers the same, so a caller cannot tell which integrations
// exist; a valid key of an integration whose booking is off is told so. The
// integration is read fresh: a key rotated or revoked on another instance
// stops at once. Then the credential's rate limit (bookingRateLimit.ts).
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../logger';
import type { Refusal } from '../outcome';
import { newBookingLogEntryId } from '../storage/bookingLogEntity';
import type { IntegrationRecord } from '../storage/records';
import type { BookingLogRepository, BookingRepository, IntegrationRepository } from '../storage/repositories';
import {
  bookingCredentialId,
  bookingKeyAccepted,
  type CredentialGeneration,
  integrationOfBookingKey,
} from './bookingCredential';
import type { BookingGroupMembers, GroupUnreadable } from './bookingGroup';
import type { BookingLogEntry } from './bookingLogEntry';
import type { RateLimiter } from './bookingRateLimit';

export interface BookingDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  bookings: BookingRepository;
  bookingLog: Pick<BookingLogRepository, 'record'>;
  graphFor(integration: IntegrationRecord): Client;
  /** Graph's service root, for the next pages Graph links to. */
  graphBaseUrl: string;
  members: BookingGroupMembers;
  limiter: RateLimiter;
  now: () => Date;
  log: Logger;
}

export interface BookingCaller {
  integration: IntegrationRecord & { booking: { enabled: true; groupId: string } };
  credentialId: string;
  credential: CredentialGeneration;
}

/** Refusals of the booking API beyond the shared ones; functions/bookingApi.ts maps each to its status. */
export type BookingRefusal =
  | Refusal
  | { kind: 'unauthorized' }
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  /** The mailbox is not in the booking group (or Exchange's write scope does not cover it yet). */
  | { kind: 'outsideGroup'; reason: string }
  /** The slot was taken between the free-time answer and the booking. */
  | { kind: 'slotTaken'; reason: string }
  /** Graph throttled or failed; nothing was written. */
  | { kind: 'unavailable'; reason: string; retryAfterSeconds?: number };

export async function bookingCaller(
  key: string | undefined,
  deps: BookingDeps,
): Promise<BookingCaller | BookingRefusal> {
  const presented = key ?? '';
  const integrationId = integrationOfBookingKey(presented);
  const stored = integrationId ? await deps.integrations.get(integrationId, { fresh: true }) : undefined;
  const booking = stored?.value.booking;
  const generation = bookingKeyAccepted(presented, booking, deps.now());
  if (!stored || !booking || !generation) return { kind: 'unauthorized' };
  const integration = stored.value;
  if (!booking.enabled || !booking.groupId) {
    return { kind: 'conflict', reason: 'booking is turned off for this integration' };
  }
  if (!integration.active || integration.consentState !== 'granted') {
    return { kind: 'conflict', reason: 'the integration is not connected to its Microsoft 365 tenant' };
  }
  const hash = generation === 'current' ? booking.credentialHash : booking.previousCredentialHash;
  const credentialId = bookingCredentialId(hash ?? '');
  const decision = deps.limiter.take(credentialId, deps.now().getTime());
  if (!decision.allowed) return { kind: 'rateLimited', retryAfterSeconds: decision.retryAfterSeconds };
  return {
    integration: integration as BookingCaller['integration'],
    credentialId,
    credential: generation,
  };
}

/** Writes what the caller asked and how it went; a log that cannot be written never fails the booking. */
export async function logBooking(
  caller: BookingCaller,
  entry: Omit<BookingLogEntry, 'integrationId' | 'entryId' | 'at' | 'credentialId' | 'credential'>,
  deps: BookingDeps,
): Promise<void> {
  const at = deps.now();
  try {
    await deps.bookingLog.record({
      integrationId: caller.integration.id,
      entryId: newBookingLogEntryId(at),
      at: at.toISOString(),
      credentialId: caller.credentialId,
      credential: caller.credential,
      ...entry,
    });
  } catch (error) {
    deps.log.warn('could not write the booking log', {
      integrationId: caller.integration.id,
      action: entry.action,
      why: error instanceof Error ? error.name : 'error',
    });
  }
}

/** A group Graph would not list: a permission the tenant must grant is the operator's matter (409), throttling a wait (503). */
export function groupRefusal(unreadable: GroupUnreadable): BookingRefusal {
  return unreadable.retryAfterSeconds === undefined
    ? { kind: 'conflict', reason: unreadable.reason }
    : { kind: 'unavailable', reason: unreadable.reason, retryAfterSeconds: unreadable.retryAfterSeconds };
}
