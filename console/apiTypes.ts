// The management API's answers as the console reads them (the server's
// types live in shared/; the browser build cannot import them).
// test/console/apiTypes.check.ts fails to compile when these and the
// server's types drift apart.
export const SHOW_AS = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] as const;
export type ShowAs = (typeof SHOW_AS)[number];
export const CALL_HANDLING = ['information', 'diversion'] as const;
export type CallHandling = (typeof CALL_HANDLING)[number];
export const PRESETS = ['availability-default', 'prefixes-sv', 'triggers-en-sv'] as const;
export const PRIVATE_MODES = ['skip', 'busyWithoutSubject'] as const;
export type PrivateMode = (typeof PRIVATE_MODES)[number];

export interface Outcome {
  reasonCode: string;
  callHandling: CallHandling;
}

export interface RuleSet {
  preset?: string;
  reasons: { code: string; name: string }[];
  availability: Record<ShowAs, { sync: boolean; reasonCode?: string; callHandling: CallHandling }>;
  prefixes: (Outcome & { prefix: string })[];
  triggers: (Outcome & { phrase: string })[];
  categories: (Outcome & { category: string })[];
  /** Outlook's automatic replies as an absence (docs/rules.md, "Outlook automatic replies"). */
  automaticReplies: { sync: boolean; reasonCode?: string; callHandling: CallHandling };
  settings: { syncDaysForward: number; showSubjects: boolean; privateEvents: PrivateMode };
  status: StatusSettings;
}

export const PRECEDENCE_CRITERIA = ['callHandling', 'reasonPriority', 'laterStart'] as const;
export const LANGUAGES = ['sv', 'en'] as const;

export interface StatusSettings {
  send: boolean;
  useWorkingHours: boolean;
  language: (typeof LANGUAGES)[number];
  precedence: { order: (typeof PRECEDENCE_CRITERIA)[number][]; reasonPriority: Record<string, number> };
}

export type ConsentState = 'pending' | 'granted' | 'consentRequired' | 'permissionsMissing';
export type ConsentMode = 'tenantWide' | 'scoped';

export const INTEGRATION_KINDS = ['microsoft365', 'exchangeServer'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];
export const EXCHANGE_AUTHENTICATIONS = ['basic', 'ntlm'] as const;
export const EXCHANGE_ACCESS_MODES = ['impersonation', 'folderPermission'] as const;

/** An Exchange Server integration's connection; the password is never part of an answer. */
export interface ExchangeServer {
  ewsUrl: string;
  userName: string;
  passwordSetAt: string;
  authentication: (typeof EXCHANGE_AUTHENTICATIONS)[number];
  accessMode: (typeof EXCHANGE_ACCESS_MODES)[number];
  timeZone: string;
  credentials: 'accepted' | 'rejected';
  credentialsSince: string;
}

export interface Integration {
  id: string;
  name: string;
  kind: IntegrationKind;
  active: boolean;
  exchangeServer?: ExchangeServer;
  consentState: ConsentState;
  consentMode: ConsentMode;
  consentError?: string;
  missingPermissions?: string[];
  pbxUrl: string;
  rulesVersion: number;
  ruleSet: RuleSet;
  /** While the PBX is told that the integration is being deleted or deactivated. */
  ending?: { kind: 'delete' | 'deactivate'; since: string; deadline: string };
}

/** POST integrations/{id}/consent-link: a fresh link for the customer's admin. */
export interface ConsentLink {
  url: string;
  expiresAt: string;
}

/** POST integrations/{id}/pbx/api-key: the PBX's key for the status pull endpoint, shown this once. */
export interface PbxApiKey {
  key: string;
  createdAt: string;
  replaced: boolean;
}

export interface User {
  id?: string;
  email: string;
  displayName?: string;
  status: 'ok' | 'neverSynced' | 'error' | 'unreadable' | 'pendingConsent' | 'refused';
  problem?: string;
  /** For an unreadable mailbox: when the next try is. */
  retryAt?: string;
  lastSyncAt?: string;
  /** The user's own trigger phrases, on top of the integration's; absent when there are none. */
  triggers?: UserTrigger[];
}

export type UserTrigger = Outcome & { phrase: string };

export interface Replayed {
  replayed: string[];
  notFailed: string[];
}

export interface SnapshotQueued {
  webhookId: string;
  absences: number;
}

/** POST integrations/{id}/exchange/test: what Exchange said of the saved connection on one mailbox. */
export type ExchangeTest =
  | { ok: true; mailbox: { primaryAddress: string; displayName: string }; itemsInWindow: number }
  | { ok: false; reason: string; message: string; path?: string };

/** GET dashboard: the deployment's integrations per kind and those whose Exchange password was refused. */
export interface DeploymentDashboard {
  integrations: Record<IntegrationKind, number>;
  exchangeServerCredentialsRejected: { integrationId: string; name: string; since?: string }[];
}

export interface Dashboard {
  kind: IntegrationKind;
  /** Exchange Server only. */
  credentials?: 'accepted' | 'rejected';
  lastSyncAt?: string;
  users: {
    total: number;
    updatedLastHour: number;
    neverUpdated: number;
    inError: number;
    pendingConsent: number;
  };
  unreadableMailboxes: string[];
  subscriptions: { expiringSoon: number; missing: number };
  /** Adding the users of a consent or a followed group: done of total, and minutes left at the pace so far. */
  onboarding?: {
    done: number;
    total: number;
    refused: number;
    minutesLeft?: number;
    finishedAt?: string;
    updatedAt: string;
  };
  /** The deliveries queue of the whole deployment, or why it cannot be counted (e.g. no Manage right). */
  deliveries:
    | { available: true; active: number; scheduled: number; deadLettered: number }
    | { available: false; reason: string };
  /** Per queue: the dead-letter count (deployment-wide) and this integration's newest dead letters. */
  deadLetters: { sync: DeadLetterPanel; deliveries: DeadLetterPanel };
}

export interface DeadLetterPanel {
  count?: number;
  recent: { available: true; letters: DeadLetter[] } | { available: false; reason: string };
}

export interface DeadLetter {
  queue: 'sync' | 'deliveries';
  messageId: string;
  reason: string;
  description?: string;
  deadLetteredAt?: string;
  attempts: number;
  lastFailure?: string;
  integrationId?: string;
  userId?: string;
}

export interface Resubmitted {
  resubmitted: string[];
  notFound: string[];
}

export interface DeliverySummary {
  endpoint: { state: 'active' } | { state: 'disabled'; reason: string; since: string };
  counts: { pending: number; delivered: number; failed: number };
  lastErrors: {
    webhookId: string;
    type: 'absence.upserted' | 'absence.deleted' | 'user.snapshot' | 'user.status';
    userId: string;
    state: 'pending' | 'delivered' | 'failed';
    failure?: 'exhausted' | 'rejected' | 'gone' | 'endpointDisabled';
    attempts: number;
    status?: number;
    error: string;
    errorClass?:
      | 'http'
      | 'redirect'
      | 'timeout'
      | 'refused'
      | 'reset'
      | 'unreachable'
      | 'tls'
      | 'dns'
      | 'network'
      | 'blockedAddress'
      | 'invalidUrl'
      | 'secretUnavailable';
    reply?: { length?: number; contentType?: string; summary?: string };
    at: string;
  }[];
}

export type Explanation = {
  evaluation:
    | {
        outcome: 'absence';
        decidedBy: string;
        absence: {
          id: string;
          eventId: string;
          seriesMasterId?: string;
          start: string;
          end: string;
          reason: { code: string; name: string };
          callHandling: CallHandling;
          subject?: string;
        };
      }
    | { outcome: 'skip'; why: string };
  /** For an absence: the status it alone would give the user. */
  status?: Status;
};

/** One stretch of a user's status, as the `user.status` webhook carries it. */
export type StatusSegment =
  | { status: 'available'; start: string; until: string | null }
  | {
      status: 'away';
      start: string;
      until: string;
      returnAt: string;
      reason: { code: string; name: string };
      callHandling: CallHandling;
      absenceIds: string[];
      returnUnknown?: true;
    };

export interface Status {
  current: StatusSegment;
  next: StatusSegment | null;
  announcement: { language: (typeof LANGUAGES)[number]; text: string };
}

/** GET integrations/{id}/users/{userId}/status: the status now, its timeline and the absences behind it. */
export interface UserStatusPanel {
  user: { id: string; email: string; displayName?: string; timeZone: string };
  at: string;
  status: Status;
  timeline: (StatusSegment & { end: string })[];
  horizon: string;
  absences: {
    id: string;
    start: string;
    end: string;
    reason: { code: string; name: string };
    callHandling: CallHandling;
  }[];
}

/** GET and PUT integrations/{id}/booking: call-centre booking and the call centre's key, never the key itself. */
export interface BookingSettings {
  integrationId: string;
  enabled: boolean;
  groupId?: string;
  groupDisplayName?: string;
  credential: {
    set: boolean;
    credentialId?: string;
    credentialSetAt?: string;
    previousCredentialId?: string;
    previousValidUntil?: string;
  };
}

/** POST integrations/{id}/booking/credential: the key, shown this once. */
export interface MintedBookingKey {
  key: string;
  credentialId: string;
  credentialSetAt: string;
  previousValidUntil?: string;
}

export const BOOKING_ACTIONS = ['freeTime', 'book', 'move', 'cancel'] as const;
export const BOOKING_LOG_RESULTS = [
  'done',
  'replayed',
  'slotTaken',
  'outsideGroup',
  'invalid',
  'notFound',
  'throttled',
  'failed',
] as const;

/** GET integrations/{id}/booking/log: the newest lines first. */
export interface BookingLog {
  entries: {
    integrationId: string;
    entryId: string;
    at: string;
    credentialId: string;
    credential: 'current' | 'previous';
    action: (typeof BOOKING_ACTIONS)[number];
    result: (typeof BOOKING_LOG_RESULTS)[number];
    bookingId?: string;
    userId?: string;
    userCount?: number;
    start?: string;
    end?: string;
    subject?: string;
    reason?: string;
  }[];
}
