// The PBX's own credential for asking us (the status pull endpoint), as
// opposed to the signing secret we sign webhooks with. A key is
// `pbxk_<integrationId>_<43 characters of base64url>`: it names its
// integration, so checking it is one point read of that integration's row
// and no scan; the random part carries 256 bits, so a plain SHA-256 of the
// whole key is enough to store (nothing to brute-force, no salt needed) and
// the table never holds a usable key.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'pbxk_';
const RANDOM_BYTES = 32;
/** The prefix, an integration id (lower-case letters, digits, hyphens: no `_`), `_`, the random part. */
const KEY_SHAPE = /^pbxk_([a-z0-9][a-z0-9-]{0,49})_([A-Za-z0-9_-]{43})$/;

export function mintPbxApiKey(integrationId: string): string {
  return `${PREFIX}${integrationId}_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

/** The integration a presented key claims to belong to; undefined when it is not shaped like one of ours. */
export function integrationOfPbxApiKey(key: string): string | undefined {
  return KEY_SHAPE.exec(key)?.[1];
}

/** What the integration row keeps of a key: its SHA-256, hex. */
export function pbxApiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Whether `key` hashes to `storedHash`, in constant time. Without a stored
 * hash (unknown integration, no key minted) a hash of nothing is compared
 * instead, so every refusal costs the same work and reads the same.
 */
export function pbxApiKeyMatches(key: string, storedHash: string | undefined): boolean {
  const presented = Buffer.from(pbxApiKeyHash(key), 'hex');
  const expected = Buffer.from(storedHash ?? pbxApiKeyHash(''), 'hex');
  const same = expected.length === presented.length && timingSafeEqual(presented, expected);
  return same && storedHash !== undefined;
}
