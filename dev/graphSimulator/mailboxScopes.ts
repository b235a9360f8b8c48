// Exchange Online RBAC for Applications, per mailbox: a tenant put in scoped
// mode lets the app read only the mailboxes of a management scope (here: the
// members of one group). Mailboxes outside it answer 403 on everything that
// reads them (events, calendarView/delta, mailboxSettings, and creating a
// subscription on their events). A change of the group's members reaches the
// scope only after the propagation delay, measured on the simulator clock:
// "Changes to app permissions are subject to cache maintenance that varies
// between 30 minutes and 2 hours depending on the app's recent usage."
// https://learn.microsoft.com/exchange/permissions-exo/application-rbac
// Role checks on the token are a separate layer; this one only decides which
// mailboxes are in scope.
//
// Two kinds of scope are kept, one instance each, as an admin assigns them
// separately: `reads` (a role such as Application Calendars.Read over a
// scope) covers every request on a mailbox; `eventWrites` (Application
// Calendars.ReadWrite over a scope, usually a smaller group) covers only
// POST, PATCH and DELETE on its events. A write must pass both. Refused
// writes answer before the route, so nothing is written.
//
// An RBAC grant and an Entra ID consent add up: an app granted
// Calendars.ReadWrite tenant-wide in Entra ID writes every mailbox whatever
// its scopes, and an app without it writes the members of its write scope on
// the strength of the RBAC assignment alone (the token carries no role for
// it). That is why the least-privileged booking setup consents to no write
// permission at all (https://learn.microsoft.com/exchange/permissions-exo/application-rbac).

import type { Directory } from './directory';
import { graphError, type SimRequest, type SimResponse } from './exchange';

export interface MailboxScopeOptions {
  /** The group whose direct members are in scope. */
  groupId: string;
  /** How long a change of the group's members takes to reach the scope; default 120 (Microsoft's upper bound). */
  propagationMinutes?: number;
}

export interface MailboxScopes {
  /**
   * Puts a tenant in scoped mode (undefined: back to tenant-wide). The group's
   * members at this moment are in scope at once, as if the scope had been set
   * up long ago; later member changes wait for the propagation delay.
   */
  set(tenantId: string, scope: MailboxScopeOptions | undefined): void;
  /** Called whenever a group's members change. */
  groupChanged(groupId: string): void;
  /** Graph's 403 when this request touches a mailbox outside its tenant's scope, else undefined. */
  refusal(tenantId: string, graphPath: string, request: SimRequest): SimResponse | undefined;
  /** Whether a scope is set and this request's mailbox is in it now: the RBAC assignment itself grants the request. */
  grants(tenantId: string, graphPath: string, request: SimRequest): boolean;
  /** Whether the mailbox is in its tenant's scope now (always, without a scope): getSchedule asks per address. */
  covers(tenantId: string, userId: string): boolean;
}

/** What a scope applies to: every request on a mailbox, or only writes to its events. */
export type ScopeKind = 'reads' | 'eventWrites';

interface ScopeState {
  groupId: string;
  delayMs: number;
  /** Member sets in the order they were set, each effective from `at` plus the delay. */
  versions: { at: number; members: ReadonlySet<string> }[];
}

const MAILBOX_PATH = /^\/users\/([^/]+)\/(?:events|calendar|calendarView|mailboxSettings)(?:[/(]|$)/i;
const SUBSCRIPTION_RESOURCE = /^\/?users\/([^/]+)\//i;
const EVENT_WRITE_PATH = /^\/users\/([^/]+)\/(?:calendar\/)?events(?:\/|$)/i;
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'DELETE']);

/** Graph's answer for a mailbox the app's RBAC assignment does not cover. */
const outOfScope = () =>
  graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

export function createMailboxScopes(parts: {
  now: () => Date;
  directory: Directory;
  membersOf: (groupId: string) => readonly string[] | undefined;
  /** Default `reads`. */
  kind?: ScopeKind;
}): MailboxScopes {
  const kind = parts.kind ?? 'reads';
  const scopes = new Map<string, ScopeState>();
  const memberSet = (groupId: string) =>
    new Set((parts.membersOf(groupId) ?? []).map((id) => id.toLowerCase()));

  const inScope = (scope: ScopeState, userId: string) => {
    const now = parts.now().getTime();
    const effective = scope.versions.filter((v) => v.at + scope.delayMs <= now).at(-1) ?? scope.versions[0];
    return effective?.members.has(userId.toLowerCase()) ?? false;
  };

  const mailboxOf = (graphPath: string, request: SimRequest): string | undefined => {
    if (kind === 'eventWrites') {
      const written =
        WRITE_METHODS.has(request.method.toUpperCase()) && EVENT_WRITE_PATH.exec(graphPath)?.[1];
      return written ? decodeURIComponent(written) : undefined;
    }
    const direct = MAILBOX_PATH.exec(graphPath)?.[1];
    if (direct) return decodeURIComponent(direct);
    if (request.method !== 'POST' || !/^\/subscriptions$/i.test(graphPath)) return undefined;
    try {
      const body: unknown = JSON.parse(request.bodyText || '{}');
      const resource =
        typeof body === 'object' && body !== null && 'resource' in body ? String(body.resource) : '';
      const user = SUBSCRIPTION_RESOURCE.exec(resource)?.[1];
      return user ? decodeURIComponent(user) : undefined;
    } catch {
      // The subscription route answers a malformed body itself.
      return undefined;
    }
  };

  return {
    set(tenantId, scope) {
      if (!scope) {
        scopes.delete(tenantId);
        return;
      }
      scopes.set(tenantId, {
        groupId: scope.groupId.toLowerCase(),
        delayMs: (scope.propagationMinutes ?? 120) * 60_000,
        versions: [{ at: Number.NEGATIVE_INFINITY, members: memberSet(scope.groupId) }],
      });
    },
    groupChanged(groupId) {
      for (const scope of scopes.values()) {
        if (scope.groupId !== groupId.toLowerCase()) continue;
        scope.versions.push({ at: parts.now().getTime(), members: memberSet(groupId) });
      }
    },
    refusal(tenantId, graphPath, request) {
      const scope = scopes.get(tenantId);
      if (!scope) return undefined;
      const idOrUpn = mailboxOf(graphPath, request);
      if (!idOrUpn) return undefined;
      const user = parts.directory.findUser(idOrUpn);
      // Unknown users keep the route's own answer (404 ErrorInvalidUser).
      if (!user || user.tenantId !== tenantId || inScope(scope, user.id)) return undefined;
      return outOfScope();
    },
    grants(tenantId, graphPath, request) {
      const scope = scopes.get(tenantId);
      const idOrUpn = scope && mailboxOf(graphPath, request);
      const user = idOrUpn ? parts.directory.findUser(idOrUpn) : undefined;
      return scope !== undefined && user?.tenantId === tenantId && inScope(scope, user.id);
    },
    covers(tenantId, userId) {
      const scope = scopes.get(tenantId);
      return !scope || inScope(scope, userId);
    },
  };
}
