// Consent link tokens and the `state` handed to Microsoft.
//
// A link token is 256 random bits an operator mints and sends to the
// customer's admin; only its SHA-256 is stored (the link's id), so neither
// the table nor a log line holds a usable link. The state names the link and
// carries a fresh nonce that is stored on the link's row and burned by the
// first callback that presents it: a state cannot be had without a link,
// cannot be replayed, and is worth nothing once used or expired.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored id of the link behind a token; undefined when it cannot be a token at all. */
export function linkIdOf(token: string): string | undefined {
  if (!TOKEN.test(token)) return undefined;
  return createHash('sha256').update(token).digest('base64url');
}

export function consentStateOf(linkId: string, nonce: string): string {
  return `${linkId}.${nonce}`;
}

export function parseConsentState(state: string): { linkId: string; nonce: string } | undefined {
  const [linkId, nonce, extra] = state.split('.');
  if (!linkId || !nonce || extra !== undefined || !TOKEN.test(linkId) || !TOKEN.test(nonce)) return undefined;
  return { linkId, nonce };
}

/** Constant time, so the callback is no oracle for the stored nonce. */
export function sameNonce(given: string, stored: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
