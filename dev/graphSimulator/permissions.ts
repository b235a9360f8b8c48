// Application permissions: what a tenant has granted the app, and which one
// each Graph call needs. App-only tokens carry the granted application
// permissions in their `roles` claim, and the claim is left out when nothing
// is granted
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
// Each list below is the Permissions table of the call's Graph page, least
// privileged first; any one of them lets the call through.
//
// Event writes (POST/PATCH/DELETE on events) are checked only for tenants
// whose writes are the app's own (`setEventWriteAccess`, for booking); for
// the others tests make them in the role of the mailbox's owner editing
// their own calendar, which no permission of the app stands for.

import { graphError, type SimResponse } from './exchange';

/** What the product's admin consent grants in tenant-wide mode (docs/microsoft-365-admin.md). */
export const PRODUCT_PERMISSIONS: readonly string[] = [
  'Calendars.Read',
  'User.Read.All',
  'MailboxSettings.Read',
  'GroupMember.Read.All',
];

/** Who refuses the call decides the shape of the 403: Exchange for mailbox data, Entra ID for the directory. */
export interface RequiredPermission {
  anyOf: readonly string[];
  refusedBy: 'exchange' | 'directory';
}

/**
 * calendarView/delta and reading an event: Application `Calendars.Read`,
 * higher `Calendars.ReadBasic`, `Calendars.ReadWrite`
 * (https://learn.microsoft.com/graph/api/event-delta, .../event-get). Entra
 * lists the basic application permission as `Calendars.ReadBasic.All`; both
 * names are taken.
 */
export const CALENDAR_READ: RequiredPermission = {
  anyOf: ['Calendars.Read', 'Calendars.ReadBasic', 'Calendars.ReadBasic.All', 'Calendars.ReadWrite'],
  refusedBy: 'exchange',
};

/**
 * getSchedule: Application `Calendars.ReadBasic`, higher `Calendars.Read`,
 * `Calendars.ReadWrite` (https://learn.microsoft.com/graph/api/calendar-getschedule);
 * the same list as reading events.
 */
export const SCHEDULE_READ: RequiredPermission = CALENDAR_READ;

/**
 * Creating, updating and deleting an event: Application `Calendars.ReadWrite`
 * only (https://learn.microsoft.com/graph/api/user-post-events,
 * .../event-update, .../event-delete).
 */
export const CALENDAR_WRITE: RequiredPermission = { anyOf: ['Calendars.ReadWrite'], refusedBy: 'exchange' };

/**
 * Subscriptions on events, created or renewed: `Calendars.Read` only; Graph
 * says write permissions are not supported where read access is needed
 * (https://learn.microsoft.com/graph/api/subscription-post-subscriptions,
 * https://learn.microsoft.com/graph/api/subscription-update).
 */
export const EVENT_SUBSCRIPTION: RequiredPermission = { anyOf: ['Calendars.Read'], refusedBy: 'exchange' };

/** https://learn.microsoft.com/graph/api/user-get-mailboxsettings */
export const MAILBOX_SETTINGS_READ: RequiredPermission = {
  anyOf: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  refusedBy: 'exchange',
};

/** https://learn.microsoft.com/graph/api/user-get */
export const USER_READ: RequiredPermission = {
  anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  refusedBy: 'directory',
};

/** https://learn.microsoft.com/graph/api/group-list-members */
export const GROUP_MEMBERS_READ: RequiredPermission = {
  anyOf: [
    'GroupMember.Read.All',
    'Directory.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'GroupMember.ReadWrite.All',
  ],
  refusedBy: 'directory',
};

/**
 * https://learn.microsoft.com/graph/api/group-get: Application
 * `GroupMember.Read.All` (least privileged), `Group.Read.All`,
 * `Directory.Read.All`, `Group.ReadWrite.All`, `Directory.ReadWrite.All`.
 */
export const GROUP_READ: RequiredPermission = {
  anyOf: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'Directory.Read.All',
    'Group.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
  refusedBy: 'directory',
};

/**
 * Graph's 403 when the token's roles lack the call's permission: Exchange
 * answers `ErrorAccessDenied`, the directory `Authorization_RequestDenied`
 * (https://learn.microsoft.com/graph/resolve-auth-errors,
 * https://learn.microsoft.com/graph/errors).
 */
export function permissionRefusal(
  roles: ReadonlySet<string>,
  need: RequiredPermission,
): SimResponse | undefined {
  if (need.anyOf.some((role) => roles.has(role))) return undefined;
  return need.refusedBy === 'exchange'
    ? graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')
    : graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}
