// Which application permissions the sync needs from a tenant, and which of
// them the tenant's token says are granted.
//
// An app-only token lists the granted application permissions in its `roles`
// claim, and leaves the claim out when none are granted: that is what a
// tenant looks like whose admin removed the permissions but kept the app
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
// The claims are read, not verified: Entra just issued the token to us, and it
// only decides whether Graph is worth calling, never what anyone may do. A
// token that is no JWT tells nothing, and the tenant is taken as granted.

import { z } from 'zod';
import type { ConsentMode } from '../storage/records';

/** One permission the sync needs, named as Entra shows it, and the grants that include it. */
interface NeededPermission {
  name: string;
  satisfiedBy: readonly string[];
}

/**
 * Subscriptions on events and calendarView/delta: `Calendars.Read`, the only
 * application permission Graph documents for event subscriptions
 * (https://learn.microsoft.com/graph/api/subscription-post-subscriptions).
 * Only tenant-wide mode gets it from Entra; scoped mode gets calendar access
 * from an Exchange RBAC role instead, which no token shows.
 */
const CALENDARS: NeededPermission = { name: 'Calendars.Read', satisfiedBy: ['Calendars.Read'] };

/** Following a group (https://learn.microsoft.com/graph/api/group-list-members). */
const GROUP_MEMBERS: NeededPermission = {
  name: 'GroupMember.Read.All',
  satisfiedBy: [
    'GroupMember.Read.All',
    'Directory.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'GroupMember.ReadWrite.All',
  ],
};

/** What the tenant's token says: the application permissions the sync needs and lacks (none: all there). */
export interface TenantAccess {
  missingPermissions: string[];
}

export interface PermissionNeeds {
  consentMode?: ConsentMode;
  followGroupId?: string;
}

/**
 * The permissions without which the integration cannot sync. `User.Read.All`
 * serves adding users only; without `MailboxSettings.Read` users are added on
 * trust and automatic replies count as off, so neither stops the sync.
 */
function neededBy(integration: PermissionNeeds): NeededPermission[] {
  return [
    ...(integration.consentMode === 'scoped' ? [] : [CALENDARS]),
    ...(integration.followGroupId ? [GROUP_MEMBERS] : []),
  ];
}

const claimsSchema = z.object({ roles: z.array(z.string()).optional() });

/** The token's `roles`; empty when the claim is absent; undefined when the token cannot be read. */
export function grantedRoles(accessToken: string): string[] | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return claims.success ? (claims.data.roles ?? []) : undefined;
  } catch {
    return undefined;
  }
}

/** The needed permissions the token does not carry, by name; empty when all are there or the token tells nothing. */
export function missingPermissions(accessToken: string, integration: PermissionNeeds): string[] {
  const roles = grantedRoles(accessToken);
  if (roles === undefined) return [];
  const granted = new Set(roles);
  return neededBy(integration)
    .filter((need) => !need.satisfiedBy.some((role) => granted.has(role)))
    .map((need) => need.name);
}
