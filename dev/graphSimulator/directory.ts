import { PRODUCT_PERMISSIONS } from './permissions';

/** Tenants, their app registration and their users: the simulator's Entra ID. */
export interface SimTenant {
  id: string;
  clientId: string;
  clientSecret: string;
  consentGranted: boolean;
  /** Application permissions granted to the app; they become the `roles` of tokens issued from now on. */
  applicationPermissions: Set<string>;
}

export interface SimUserInput {
  id: string;
  userPrincipalName: string;
  mail?: string;
  displayName?: string;
  /** IANA zone of the mailbox; Europe/Stockholm when absent. */
  timeZone?: string;
  /** mailboxSettings.userPurpose; `user` when absent. */
  mailboxPurpose?: 'user' | 'shared' | 'room' | 'equipment';
}

export interface SimUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string;
  displayName: string;
  timeZone: string;
  mailboxPurpose: 'user' | 'shared' | 'room' | 'equipment';
}

export interface Directory {
  addTenant(t: { id: string; clientId: string; clientSecret: string }): void;
  tenant(id: string): SimTenant | undefined;
  setConsent(tenantId: string, granted: boolean): void;
  setApplicationPermissions(tenantId: string, permissions: readonly string[]): void;
  addUser(tenantId: string, u: SimUserInput): SimUser;
  /** By object id or user principal name (case-insensitive, as Graph matches UPNs). */
  findUser(idOrUpn: string): SimUser | undefined;
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
      const user: SimUser = {
        id: u.id,
        tenantId,
        userPrincipalName: u.userPrincipalName,
        mail: u.mail ?? u.userPrincipalName,
        displayName: u.displayName ?? u.userPrincipalName.split('@')[0] ?? u.userPrincipalName,
        timeZone: u.timeZone ?? 'Europe/Stockholm',
        mailboxPurpose: u.mailboxPurpose ?? 'user',
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
  };
}
