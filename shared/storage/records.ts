// What each table holds. Repositories return these together with the row's
// ETag so a caller that read-modify-writes can detect a concurrent writer.

import type { BookingCredentialState } from '../booking/bookingCredential';
import type { Absence } from '../domain/absence';
import type { AutomaticRepliesMemo } from '../domain/automaticReplies';
import type { RuleSet } from '../domain/rules/ruleSet';
import type { SyncWindow } from '../domain/syncWindow';
import type { WorkingHours } from '../domain/workingHours';
import type { DeliveryRequest, PbxEventType } from '../pbx/pbxEvent';
import type { DeliveryErrorClass, PbxReply } from '../pbx/pbxReply';

/**
 * `consentRequired`: Entra ID refuses the app's tokens (AADSTS codes: app
 * deleted, disabled, never consented). `permissionsMissing`: the app is still
 * there and gets tokens, but without an application permission the sync
 * needs; it recovers by itself once the admin grants it again.
 */
export type ConsentState = 'pending' | 'granted' | 'consentRequired' | 'permissionsMissing';

/**
 * `tenantWide`: the admin consent grants calendar access to every mailbox.
 * `scoped`: the consent grants no calendar permission; the Exchange admin
 * grants a calendar role on a group of mailboxes (RBAC for Applications).
 */
export type ConsentMode = 'tenantWide' | 'scoped';

/** An address an operator asked for before consent, resolved with Graph once consent is granted. */
export interface PendingUser {
  address: string;
  /** Why resolving it failed after consent, for the operator. */
  problem?: string;
}

/** How the service account authenticates to Exchange Server's EWS endpoint. */
export type ExchangeAuthentication = 'basic' | 'ntlm';

/**
 * `impersonation`: the account holds the ApplicationImpersonation role and
 * acts as each mailbox. `folderPermission`: the account holds Reviewer on each
 * user's Calendar folder and opens it as a delegate.
 */
export type ExchangeAccessMode = 'impersonation' | 'folderPermission';

/**
 * An integration whose mailboxes live on Exchange Server (2016, 2019,
 * Subscription Edition), read over EWS with one service account.
 */
export interface ExchangeServerSettings {
  /** https://mail.customer.example/EWS/Exchange.asmx */
  ewsUrl: string;
  /** UPN or DOMAIN\user */
  userName: string;
  /** Name of the account's password in the secret store; never the password. */
  passwordSecretName: string;
  /** When the operator last saved the password: a refusal met with an older one does not mark the integration. */
  passwordSetAt: string;
  authentication: ExchangeAuthentication;
  accessMode: ExchangeAccessMode;
  /** IANA zone the mailboxes' all-day items are placed in (EWS names no mailbox zone in a calendar read). */
  timeZone: string;
}

/**
 * Call-centre booking for an integration: off unless `enabled` (absent is
 * off, as on every record written before booking existed). Booking writes to
 * calendars, so it needs Calendars.ReadWrite scoped to one mail-enabled
 * security group (`groupId`, the Exchange RBAC for Applications management
 * scope); mailboxes outside it are refused. The call-centre system's key is
 * kept as a hash only (shared/booking/bookingCredential.ts). Turning booking
 * off keeps the settings with `enabled: false`: the maintenance run purges the
 * booking log of integrations that have them, so the log still ages out.
 */
export interface BookingSettings extends BookingCredentialState {
  enabled: boolean;
  /** Entra object id of the group whose members may be booked. */
  groupId?: string;
  /** The group's display name when it was last checked with Graph, for the console; Entra's own name may have changed since. */
  groupDisplayName?: string;
}

export interface IntegrationRecord {
  id: string;
  name: string;
  active: boolean;
  /** Entra tenant id, known once the admin has consented (or set by the operator). */
  tenantId?: string;
  /**
   * Set for an Exchange Server integration; absent for Microsoft 365 over Graph.
   * Such an integration has no tenant and no consent: its consentState is
   * `granted` while Exchange accepts the service account, and
   * `consentRequired` with a consentError starting `credentialsRejected`
   * once Exchange refused its password (shared/exchange/exchangeServerIntegration.ts).
   */
  exchangeServer?: ExchangeServerSettings;
  consentState: ConsentState;
  consentedAt?: string;
  /** Absent on records written before modes existed: tenant-wide. */
  consentMode?: ConsentMode;
  /** Why consent is required again, or why the last consent attempt failed (no secrets, no subjects). */
  consentError?: string;
  /** Since when Graph or Entra ID refuses this tenant. */
  consentRequiredSince?: string;
  /** In `permissionsMissing`: the application permissions the tenant no longer grants, as Entra names them. */
  missingPermissions?: string[];
  pendingUsers?: PendingUser[];
  /** Entra security group whose members are this integration's users (kept in step by the maintenance run). */
  followGroupId?: string;
  /** How far adding users has come: a consent's pending addresses, or the followed group's members. */
  onboarding?: OnboardingProgress;
  pbxUrl: string;
  /** Calls in flight to this PBX at once, across instances; absent: PBX_MAX_CONCURRENT_REQUESTS. */
  pbxMaxConcurrentRequests?: number;
  /** Name of the PBX signing secret in the secret store; never the secret itself. */
  pbxSecretName: string;
  /** Absent means active. Disabled when the PBX answered 410 Gone; deliveries are then recorded, not sent. */
  pbxEndpoint?: PbxEndpointState;
  /** The PBX's own key for the status pull endpoint (shared/pbx/pbxApiKey.ts): only its SHA-256, never the key. */
  pbxApiKey?: { hash: string; createdAt: string };
  /** Call-centre booking; absent: off. */
  booking?: BookingSettings;
  ruleSet: RuleSet;
  /** Grows with every rules change so users synced under older rules are resynced. */
  rulesVersion: number;
  /** Set while the integration is being deleted or deactivated and its PBX is told (integrationEnding.ts). */
  ending?: IntegrationEnding;
  createdAt: string;
  updatedAt: string;
}

/**
 * An integration on its way out: its PBX gets a last, empty snapshot per user
 * (and the status available) before the integration is removed (`delete`) or
 * left inactive (`deactivate`). `deadline`: when the ending finishes even if
 * some of those deliveries are still being retried.
 */
export interface IntegrationEnding {
  kind: 'delete' | 'deactivate';
  since: string;
  deadline: string;
}

/**
 * Members of the followed group known as users (`done`) of all its members
 * (`total`), as of the last run that had members to add; or, after a
 * consent, its pending addresses added of all it had. `doneAtStart` and
 * `startedAt` are where this onboarding began, so the pace so far (and from
 * it the time left) can be told; `finishedAt` once every member was known.
 */
export interface OnboardingProgress {
  total: number;
  done: number;
  /** Members Graph would not let us add in the last run (no person's mailbox, refused); tried again each run. */
  refused: number;
  doneAtStart: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/**
 * One consent link an operator minted. The row key is a hash of the link's
 * token, so the table never holds a usable link. `flow` is the one state
 * handed to Microsoft at a time: its nonce is burned when the callback uses it.
 */
export interface ConsentLinkRecord {
  linkId: string;
  integrationId: string;
  createdAt: string;
  expiresAt: string;
  /** Set once the link connected its integration; a used link opens nothing. */
  usedAt?: string;
  flow?: ConsentFlowStep;
}

export interface ConsentFlowStep {
  /** `consent`: waiting for the admin consent redirect; `signIn`: for the OpenID Connect sign-in. */
  step: 'consent' | 'signIn';
  /** The state's secret part, compared in constant time and removed on first use. */
  nonce: string;
  /** The OpenID Connect nonce the ID token must carry (sign-in step only). */
  oidcNonce?: string;
  /** Which app the admin consents to, so the sign-in and the code exchange use the same one. */
  clientId: string;
  expiresAt: string;
}

export type PbxEndpointState = { state: 'active' } | { state: 'disabled'; reason: string; since: string };

/** `unreadable`: Graph refused this mailbox (403) while the tenant still grants the app; retried with backoff. */
export type UserSyncStatus = 'neverSynced' | 'ok' | 'error' | 'unreadable';

export interface UserRecord {
  integrationId: string;
  /** Graph user id (object id). */
  id: string;
  email: string;
  displayName?: string;
  /** IANA time zone of the mailbox, for all-day entries. */
  timeZone: string;
  /** The mailbox's working hours as Graph reported them when the user was added (domain/workingHours.ts). */
  workingHours?: WorkingHours;
  /** What the sync last read of the mailbox's automatic replies (domain/automaticReplies.ts). */
  automaticReplies?: AutomaticRepliesMemo;
  /** Trigger phrases this user added on top of the integration's (Infracom lets users add their own). */
  triggers?: RuleSet['triggers'];
  /** The whole `@odata.deltaLink`, replayed unchanged. */
  deltaLink?: string;
  /** The window the delta link was opened for. */
  window?: SyncWindow;
  rulesVersion?: number;
  /**
   * The version clock of the last sync that queued webhooks for everything it
   * saved. A stored absence with a higher version was saved by a sync that
   * stopped before queuing its webhooks; the next sync that sees it sends a
   * snapshot (userSync.ts, `unsentRows`).
   */
  versionedTo?: number;
  /**
   * The version of the last snapshot an operator asked for. It may be above
   * every stored version (a user we hold nothing for), so the sync's version
   * clock counts it too: every later change outranks that snapshot.
   */
  snapshotVersion?: number;
  /**
   * The status last queued for the PBX (shared/status/currentStatus.ts,
   * `statusDigest`) and its version: a status is sent only when the digest
   * changes, and the version clock counts the version like a snapshot's.
   */
  statusDigest?: string;
  statusVersion?: number;
  /** The last, empty snapshot queued for this user when their integration ended (integrationEnding.ts). */
  endingSnapshot?: EndingSnapshot;
  /**
   * Written by syncs before `versionedTo` existed, while they had saved
   * absences but maybe not queued their webhooks; still honoured (a fresh
   * round with a snapshot) and cleared by the next sync.
   */
  reconcilePending?: boolean;
  subscriptionId?: string;
  status: UserSyncStatus;
  lastSyncAt?: string;
  lastError?: string;
  /** Since when the mailbox has been `unreadable`; the retry backoff grows with it. */
  unreadableSince?: string;
  /** When the maintenance run next tries an `unreadable` mailbox. */
  retryAt?: string;
  createdAt: string;
}

export interface EndingSnapshot {
  webhookId: string;
  version: number;
  queuedAt: string;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  integrationId: string;
  userId: string;
  /**
   * Secret shared with Graph, or the secret in an EWS subscription's callback
   * URL; compared on every notification, never logged.
   */
  clientState: string;
  resource: string;
  /** For EWS: when it counts as lost unless Exchange is heard from (lastHeardAt plus the silence allowed). */
  expiresAt: string;
  /** Present for an Exchange Server push subscription, absent for Graph's. */
  ews?: EwsSubscriptionState;
}

/**
 * What keeps an EWS push subscription going. Exchange POSTs to us; nothing
 * is renewed, but when it falls silent the subscription is made again from
 * `watermark` (shared/subscriptions/ewsSubscriptionUpkeep.ts). Every
 * notification updates these on the integration's copy of the row only (one
 * write, subscriptionEntity.ts): `listByIntegration` reads the newest, `get`
 * the values the subscription was made with.
 */
export interface EwsSubscriptionState {
  /** The newest watermark Exchange sent (or Subscribe's own): where a new subscription resumes. */
  watermark: string;
  statusFrequencyMinutes: number;
  /** When Exchange last reached us for it (events or a status ping), or when it was made. */
  lastHeardAt: string;
}

/** A row per absence the PBX has been told about; deleted ones stay as tombstones so versions keep growing. */
export interface AbsenceRecord extends Absence {
  integrationId: string;
  userId: string;
  deleted: boolean;
  updatedAt: string;
}

/** `pending`: an attempt failed and a retry is scheduled; `failed`: no more attempts (replayable). */
export type DeliveryState = 'pending' | 'delivered' | 'failed';
/** Why a delivery stopped: schedule used up, refused (other 4xx, redirect, bad URL), 410 Gone, endpoint disabled. */
export type DeliveryFailure = 'exhausted' | 'rejected' | 'gone' | 'endpointDisabled';

/** A row per webhook in the delivery log; the latest attempt wins. */
export interface DeliveryLogRecord {
  integrationId: string;
  webhookId: string;
  type: PbxEventType;
  userId: string;
  state: DeliveryState;
  failure?: DeliveryFailure;
  /** Attempts made so far (the last one included). */
  attempts: number;
  lastStatus?: number;
  /** The PBX's answer or the network error, shortened; never a payload, a secret or an address we resolved. */
  lastError?: string;
  /** The kind of the last failure (`http`, `timeout`, `refused`, `tls`, `blockedAddress`, ...). */
  errorClass?: DeliveryErrorClass;
  /** The PBX's last error answer: its length, content type and a short summary, never its body. */
  reply?: PbxReply;
  updatedAt: string;
  /** Kept while `failed`, so the webhook can be replayed as it was. */
  request?: DeliveryRequest;
}

/** One taken slot of the calls an integration's PBX may have in flight (see shared/delivery/pbxSlots.ts). */
export interface PbxSlotRecord {
  integrationId: string;
  /** 0 to the cap less one. */
  slot: number;
  /** The webhook being sent in it, for whoever looks at the table. */
  webhookId: string;
  /** UTC ISO instant after which the slot counts as free although nobody released it. */
  leaseUntil: string;
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
