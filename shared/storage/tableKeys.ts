// Ids become PartitionKey/RowKey values. Table Storage forbids `/ \ # ?` and
// control characters in keys, and ids come from Graph and operators, so every
// id is escaped reversibly: each risky character becomes `!` plus two hex
// digits. `!` and `~` are escaped too, which leaves `~` free to join two ids
// into one partition key. `%` and `'` are escaped because some Table Storage
// front ends decode or quote them a second time.

import { KEY_MAX_CHARS, KEY_RISKY_CHARACTERS as RISKY } from '../domain/identifiers';

const ESCAPED = /!([0-9A-F]{2})/g;

export const KEY_SEPARATOR = '~';

export class InvalidKeyError extends Error {
  /** Which id it was, in words ("user id"); never its value. */
  readonly what: string;
  constructor(what: string, problem: string) {
    super(`${what} cannot be stored: ${problem}`);
    this.name = 'InvalidKeyError';
    this.what = what;
  }
}

/** Escapes one id for use in a key; `what` names the id in errors (never its value). */
export function encodeKeyPart(id: string, what: string): string {
  if (id.length === 0) throw new InvalidKeyError(what, 'it is empty');
  const encoded = id.replace(
    RISKY,
    (char) => `!${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  if (encoded.length > KEY_MAX_CHARS)
    throw new InvalidKeyError(what, `it is longer than ${KEY_MAX_CHARS} characters`);
  return encoded;
}

export function decodeKeyPart(encoded: string): string {
  return encoded.replace(ESCAPED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Joins ids into one key; each part is escaped, so the separator only ever appears between parts. */
export function compositeKey(parts: ReadonlyArray<readonly [id: string, what: string]>): string {
  const key = parts.map(([id, what]) => encodeKeyPart(id, what)).join(KEY_SEPARATOR);
  if (key.length > KEY_MAX_CHARS)
    throw new InvalidKeyError(parts.map(([, what]) => what).join(' + '), 'too long');
  return key;
}

export function splitCompositeKey(key: string, count: number): string[] | undefined {
  const parts = key.split(KEY_SEPARATOR);
  return parts.length === count ? parts.map(decodeKeyPart) : undefined;
}
