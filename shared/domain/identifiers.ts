// How long the ids we accept from callers may be, in one place. They become
// Table Storage keys, consent-link paths and parts of queue message ids, so
// every route and schema checks them against the same numbers.

/** Integration ids are chosen by the operator: short, lower-case, URL-safe (see managementSchemas.ts). */
export const INTEGRATION_ID_MAX_LENGTH = 50;
/** User ids are Entra object ids; a pending user is named by an address, hence the room. */
export const USER_ID_MAX_LENGTH = 200;

/** Why a route's id cannot be one of ours, or undefined when it can. */
export function idLengthProblem(name: string, value: string, max: number): string | undefined {
  return value.length === 0 || value.length > max ? `${name} must be 1 to ${max} characters` : undefined;
}
