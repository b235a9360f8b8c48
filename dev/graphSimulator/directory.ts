// Tenants, their app registration and their users: the simulator's Entra ID.
// A user has a user principal name (sign-in name), a primary SMTP address
// (`mail`) and aliases (`proxyAddresses`), and in real tenants the three
// often differ: `GET /users/{id | userPrincipalName}` takes only the first
// two kinds of key, so an address must be looked up with `$filter`.
// https://learn.microsoft.com/graph/api/user-get and
// https://learn.microsoft.com/graph/api/resources/user (proxyAddresses).
import { PRODUCT_PERMISSIONS } from './permissions';

export interface SimTenant {
  id: string;
  clientId: string;
  clientSecret: string;
  consentGranted: boolean;
  /** Application permissions granted to the app; they become the `roles` of tokens issued from now on. */
  applicationPermissions: Set<string>;
}

export type MailboxPurpose = 'user' | 'shared' | 'room' | 'equipment';

export interface SimUserInput {
  id: string;
  userPrincipalName: string;
  /** Primary SMTP address; the UPN when absent. */
  mail?: string;
  /** Further SMTP addresses the mailbox receives mail for (without the `smtp:` prefix). */
  aliases?: readonly string[];
  displayName?: string;
  /**
   * The mailbox's zone as Exchange reports it: a Windows id unless someone set
   * an IANA name. "W. Europe Standard Time" when absent.
   */
  timeZone?: string;
  /** mailboxSettings.userPurpose; `user` when absent. */
  mailboxPurpose?: MailboxPurpose;
  /**
   * How mailboxSettings spells `userPurpose`: `object` (`{"value":"user"}`,
   * as in the get-mailboxSettings example) unless told `string` (as in the
   * resource's JSON representation). Both are documented, so callers must read both.
   */
  purposeShape?: 'object' | 'string';
  /**
   * mailboxSettings.workingHours as Graph spells it; Monday to Friday, 08:00
   * to 17:00 in the mailbox's zone when absent (Outlook's default work week).
   */
  workingHours?: SimWorkingHours;
  /** mailboxSettings.automaticRepliesSetting; disabled when absent. */
  automaticReplies?: SimAutomaticReplies;
  /**
   * What the organisation may see of this calendar in getSchedule:
   * `availabilityOnly` (Exchange Online's default, status and times) unless
   * the owner shared `limitedDetails` (subject and location too).
   */
  calendarSharing?: CalendarSharing;
}

export type CalendarSharing = 'availabilityOnly' | 'limitedDetails';

/**
 * https://learn.microsoft.com/graph/api/resources/automaticrepliessetting:
 * the scheduled times are kept (and reported) whatever the status, as
 * Exchange does, and count only when the status is `scheduled`; their zone
 * is the one the owner set them in, a Windows name as often as not.
 */
export interface SimAutomaticReplies {
  status: 'disabled' | 'alwaysEnabled' | 'scheduled';
  scheduledStartDateTime: { dateTime: string; timeZone: string };
  scheduledEndDateTime: { dateTime: string; timeZone: string };
  externalAudience: 'none' | 'contactsOnly' | 'all';
  internalReplyMessage: string;
  externalReplyMessage: string;
}

/** https://learn.microsoft.com/graph/api/resources/workinghours */
export interface SimWorkingHours {
  daysOfWeek: string[];
  startTime: string;
  endTime: string;
  timeZone: { name: string };
}

export interface SimUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string;
  /** `SMTP:` marks the primary address, `smtp:` the aliases, as Entra ID lists them. */
  proxyAddresses: string[];
  displayName: string;
  timeZone: string;
  mailboxPurpose: MailboxPurpose;
  purposeShape: 'object' | 'string';
  workingHours: SimWorkingHours;
  automaticReplies: SimAutomaticReplies;
  calendarSharing: CalendarSharing;
}

/** Outlook's default: off, its schedule the next hour (what the dialog offers when it is first opened). */
export function defaultAutomaticReplies(): SimAutomaticReplies {
  return {
    status: 'disabled',
    scheduledStartDateTime: { dateTime: '2026-01-01T08:00:00.0000000', timeZone: 'UTC' },
    scheduledEndDateTime: { dateTime: '2026-01-01T09:00:00.0000000', timeZone: 'UTC' },
    externalAudience: 'all',
    internalReplyMessage: '',
    externalReplyMessage: '',
  };
}

export interface Directory {
  addTenant(t: { id: string; clientId: string; clientSecret: string }): void;
  tenant(id: string): SimTenant | undefined;
  setConsent(tenantId: string, granted: boolean): void;
  setApplicationPermissions(tenantId: string, permissions: readonly string[]): void;
  addUser(tenantId: string, u: SimUserInput): SimUser;
  /** By object id or user principal name (case-insensitive, as Graph matches UPNs); never by mail or alias. */
  findUser(idOrUpn: string): SimUser | undefined;
  /** The users of a tenant, for `GET /users?$filter=…`. */
  usersOf(tenantId: string): SimUser[];
}

export function createDirectory(): Directory {
  const tenants = new Map<string, SimTenant>();
  const users = new Map<string, SimUser>();

  return {
    addTenant(t) {
      tenants.set(t.id, { ...t, consentGranted: true, applicationPermissions: new Set(PRODUCT_PERMISSIONS) });
    },
    tenant: (id) => tenants.get(id),
    setConsent(tenantId, granted) {
      const tenant = tenants.get(tenantId);
      if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
      tenant.consentGranted = granted;
    },
    setApplicationPermissions(tenantId, permissions) {
      const tenant = tenants.get(tenantId);
      if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
      tenant.applicationPermissions = new Set(permissions);
    },
    addUser(tenantId, u) {
      if (!tenants.has(tenantId)) throw new Error(`unknown tenant ${tenantId}`);
      const mail = u.mail ?? u.userPrincipalName;
      const user: SimUser = {
        id: u.id,
        tenantId,
        userPrincipalName: u.userPrincipalName,
        mail,
        proxyAddresses: [`SMTP:${mail}`, ...(u.aliases ?? []).map((alias) => `smtp:${alias}`)],
        displayName: u.displayName ?? u.userPrincipalName.split('@')[0] ?? u.userPrincipalName,
        timeZone: u.timeZone ?? 'W. Europe Standard Time',
        mailboxPurpose: u.mailboxPurpose ?? 'user',
        purposeShape: u.purposeShape ?? 'object',
        workingHours: u.workingHours ?? {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          startTime: '08:00:00.0000000',
          endTime: '17:00:00.0000000',
          timeZone: { name: u.timeZone ?? 'W. Europe Standard Time' },
        },
        automaticReplies: u.automaticReplies ?? defaultAutomaticReplies(),
        calendarSharing: u.calendarSharing ?? 'availabilityOnly',
      };
      users.set(user.id.toLowerCase(), user);
      return user;
    },
    findUser(idOrUpn) {
      const key = idOrUpn.toLowerCase();
      const byId = users.get(key);
      if (byId) return byId;
      for (const user of users.values()) {
        if (user.userPrincipalName.toLowerCase() === key) return user;
      }
      return undefined;
    },
    usersOf: (tenantId) => [...users.values()].filter((user) => user.tenantId === tenantId),
  };
}
