// The call-centre system's credential for the booking API of one
// integration: neither the operator's key (the Functions host key of the
// management API) nor the PBX's status key (shared/pbx/pbxApiKey.ts). A key is
// `ccbk_<integrationId>_<43 characters of base64url>`. The prefix is its own,
// so a booking key handed to the PBX endpoint, or a PBX key to the booking
// API, is refused by its shape before anything is read. Like the PBX key it
// names its integration, so checking it is one point read of that
// integration's row, never a scan.
//
// Only a SHA-256 of the whole key is stored. The random part is 256 bits from
// the operating system's generator, so there is nothing to guess: a slow,
// salted password hash (scrypt, Argon2) protects low-entropy secrets people
// choose against dictionaries, and would only add CPU to every booking call
// here. A leaked table holds no usable key either way, since SHA-256 cannot
// be reversed and 2^256 keys cannot be tried.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'ccbk_';
const RANDOM_BYTES = 32;
/** The prefix, an integration id (lower-case letters, digits, hyphens: no `_`), `_`, the random part. */
const KEY_SHAPE = /^ccbk_([a-z0-9][a-z0-9-]{0,49})_([A-Za-z0-9_-]{43})$/;
const HASH_SHAPE = /^[0-9a-f]{64}$/;

/**
 * How long the key a rotation replaced keeps working. The call centre runs
 * its own system around the clock, and the new key travels from the operator
 * to the call centre's administrators by hand; without an overlap every
 * booking in between would fail. A day covers that hand-over and is short
 * enough that a key lost in a handover does not live on for long. For a key
 * that leaked, the operator rotates without overlap (or revokes): the old
 * key stops at once.
 */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** What an integration keeps of its booking credential (inside its booking settings). */
export interface BookingCredentialState {
  /** SHA-256 (hex) of the current key; absent until one is minted. */
  credentialHash?: string;
  /** When the current key was minted (UTC ISO). */
  credentialSetAt?: string;
  /** The key a rotation replaced, accepted until `previousCredentialUntil`. */
  previousCredentialHash?: string;
  previousCredentialUntil?: string;
}

/** Which of the integration's keys a request used; the booking log names it, never the key. */
export type CredentialGeneration = 'current' | 'previous';

export function mintBookingKey(integrationId: string): string {
  const key = `${PREFIX}${integrationId}_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
  if (!KEY_SHAPE.test(key))
    throw new RangeError('An integration id of this shape cannot carry a booking key');
  return key;
}

/** The integration a presented key claims to belong to; undefined when it is not shaped like a booking key. */
export function integrationOfBookingKey(key: string): string | undefined {
  return KEY_SHAPE.exec(key)?.[1];
}

/** What is stored of a key: its SHA-256, hex. */
export function bookingKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A short name for a stored key, for the booking log and the console
 * ("key 3f2a9c…"): the first 12 hex digits of its hash. 48 bits of a hash of
 * a 256-bit random key tell nothing about the key, and they tell the current
 * key from the one it replaced while both work.
 */
export function bookingCredentialId(hash: string): string {
  return hash.slice(0, 12);
}

/** Equal-time comparison of a presented key against a stored hash; a missing hash compares against one of nothing. */
function hashMatches(presented: Buffer, stored: string | undefined): boolean {
  const valid = stored !== undefined && HASH_SHAPE.test(stored);
  const expected = Buffer.from(valid ? stored : bookingKeyHash(''), 'hex');
  return timingSafeEqual(presented, expected) && valid;
}

/**
 * Which of the stored keys `key` is, if any; `state` is the booking settings
 * of the integration the key names (`integrationOfBookingKey`), read by key. Both the current and the
 * previous hash are always compared, whether or not the first matched or a
 * previous one exists, so the answer takes the same time for every key of a
 * given shape; a previous key past its overlap counts as no key.
 */
export function bookingKeyAccepted(
  key: string,
  state: BookingCredentialState | undefined,
  now: Date,
): CredentialGeneration | undefined {
  const presented = Buffer.from(bookingKeyHash(key), 'hex');
  const current = hashMatches(presented, state?.credentialHash);
  const previous = hashMatches(presented, state?.previousCredentialHash);
  const until =
    state?.previousCredentialUntil === undefined ? Number.NaN : Date.parse(state.previousCredentialUntil);
  if (current) return 'current';
  if (previous && now.getTime() < until) return 'previous';
  return undefined;
}

export interface RotatedCredential<State extends BookingCredentialState> {
  /** Shown once to the operator, then gone: only its hash is kept. */
  key: string;
  state: State;
}

/**
 * A new key for the integration, replacing the current one. With `overlap`
 * the replaced key keeps working for ROTATION_OVERLAP_MS (a key replaced
 * while an earlier overlap still ran ends that one: at most two keys work at
 * once); without it, or when there was no key, only the new one works.
 * Other fields of `state` are kept as they are.
 */
export function rotateBookingCredential<State extends BookingCredentialState>(
  integrationId: string,
  state: State,
  now: Date,
  options: { overlap: boolean },
): RotatedCredential<State> {
  const key = mintBookingKey(integrationId);
  const {
    previousCredentialHash: _hash,
    previousCredentialUntil: _until,
    ...rest
  }: BookingCredentialState = state;
  const keepPrevious = options.overlap && state.credentialHash !== undefined;
  return {
    key,
    state: {
      ...(rest as State),
      credentialHash: bookingKeyHash(key),
      credentialSetAt: now.toISOString(),
      ...(keepPrevious
        ? {
            previousCredentialHash: state.credentialHash,
            previousCredentialUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString(),
          }
        : {}),
    },
  };
}

/** The state without any key: nothing is accepted any more (the operator revokes, or booking is turned off). */
export function revokedBookingCredential<State extends BookingCredentialState>(state: State): State {
  const {
    credentialHash: _hash,
    credentialSetAt: _setAt,
    previousCredentialHash: _previous,
    previousCredentialUntil: _until,
    ...rest
  }: BookingCredentialState = state;
  return rest as State;
}
