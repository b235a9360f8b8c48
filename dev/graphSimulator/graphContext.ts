import type { Directory, SimUser } from './directory';
import { graphError, type SimRequest, type SimResponse } from './exchange';

/** What every Graph route gets: the request, the calling tenant, and where links should point. */
export interface GraphContext {
  request: SimRequest;
  tenantId: string;
  /** The `roles` of the caller's token: the application permissions granted when it was issued. */
  roles: ReadonlySet<string>;
  graphBaseUrl: string;
  directory: Directory;
  /** Event writes are the app's own for this tenant (booking): they need Calendars.ReadWrite. */
  appEventWrites: boolean;
}

export type UserLookup = { ok: true; user: SimUser } | { ok: false; response: SimResponse };

/**
 * Mailbox routes (`/users/{id}/events`, `/calendarView`, …) answer as Exchange
 * does for a user the app cannot see: `ErrorInvalidUser`. A user of another
 * tenant is invisible to the caller.
 */
export function mailboxOwner(context: GraphContext, idOrUpn: string): UserLookup {
  const user = context.directory.findUser(idOrUpn);
  if (!user || user.tenantId !== context.tenantId) {
    return {
      ok: false,
      response: graphError(404, 'ErrorInvalidUser', `The requested user '${idOrUpn}' is invalid.`),
    };
  }
  return { ok: true, user };
}
