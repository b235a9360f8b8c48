// How long the ids we accept from callers may be, in one place. They become
// Table Storage keys, consent-link paths and parts of queue message ids, so
// every route and schema checks them against the same numbers.

/** Integration ids are chosen by the operator: short, lower-case, URL-safe (see managementSchemas.ts). */
export const INTEGRATION_ID_MAX_LENGTH = 50;
/** User ids are Entra object ids; a pending user is named by an address, hence the room. */
export const USER_ID_MAX_LENGTH = 200;

/**
 * Characters a table key cannot hold as they are, each stored as `!` and two
 * hex digits (shared/storage/tableKeys.ts), and the 1 KiB of UTF-16 a key may
 * have (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 */
export const KEY_RISKY_CHARACTERS = /[/\\#?!~%'\p{Cc}]/gu;
export const KEY_MAX_CHARS = 512;

/** Characters `id` takes once escaped for a key. */
export function keyLength(id: string): number {
  return id.length + 2 * (id.match(KEY_RISKY_CHARACTERS)?.length ?? 0);
}

/**
 * Why a route's id cannot be one of ours, or undefined when it can. Besides
 * its length, it must still fit a key once escaped, beside an integration id
 * (a user's absences are keyed by both).
 */
export function idLengthProblem(name: string, value: string, max: number): string | undefined {
  if (value.length === 0 || value.length > max) return `${name} must be 1 to ${max} characters`;
  return keyLength(value) > KEY_MAX_CHARS - INTEGRATION_ID_MAX_LENGTH - 1
    ? `${name} has too many of the characters / \\ # ? ! ~ % ' and control characters to be stored`
    : undefined;
}
