import type { Absence } from '../domain/absence';
import type { RuleSet } from '../domain/rules/ruleSet';
import type { SyncWindow } from '../domain/syncWindow';

/**
 * What each table holds. Repositories return these together with the row's
 * ETag so a caller that read-modify-writes can detect a concurrent writer.
 */
export type ConsentState = 'pending' | 'granted' | 'consentRequired';

export interface IntegrationRecord {
  id: string;
  name: string;
  active: boolean;
  /** Entra tenant id, known once the admin has consented (or set by the operator). */
  tenantId?: string;
  consentState: ConsentState;
  consentedAt?: string;
  pbxUrl: string;
  /** Name of the PBX signing secret in the secret store; never the secret itself. */
  pbxSecretName: string;
  ruleSet: RuleSet;
  /** Grows with every rules change so users synced under older rules are resynced. */
  rulesVersion: number;
  createdAt: string;
  updatedAt: string;
}

export type UserSyncStatus = 'neverSynced' | 'ok' | 'error';

export interface UserRecord {
  integrationId: string;
  /** Graph user id (object id). */
  id: string;
  email: string;
  displayName?: string;
  /** IANA time zone of the mailbox, for all-day entries. */
  timeZone: string;
  /** The whole `@odata.deltaLink`, replayed unchanged. */
  deltaLink?: string;
  /** The window the delta link was opened for. */
  window?: SyncWindow;
  rulesVersion?: number;
  subscriptionId?: string;
  status: UserSyncStatus;
  lastSyncAt?: string;
  lastError?: string;
  createdAt: string;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  integrationId: string;
  userId: string;
  /** Secret shared with Graph; compared on every notification, never logged. */
  clientState: string;
  resource: string;
  expiresAt: string;
}

/** A row per absence the PBX has been told about; deleted ones stay as tombstones so versions keep growing. */
export interface AbsenceRecord extends Absence {
  integrationId: string;
  userId: string;
  deleted: boolean;
  updatedAt: string;
}

export interface Versioned<T> {
  value: T;
  etag: string;
}

/** Thrown when an ETag no longer matches: someone else wrote the row first. */
export class ConcurrencyError extends Error {
  constructor(what: string) {
    super(`${what} was changed by another writer`);
    this.name = 'ConcurrencyError';
  }
}
