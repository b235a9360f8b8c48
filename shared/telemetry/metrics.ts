// The metrics port: what the service counts and times, in its own words, so
// operators can watch it from Azure Monitor. Every attribute is one of a few
// fixed values (an outcome, a kind of request, a status class): never a user,
// a mailbox, a subject, a URL or a secret, since metric dimensions are kept
// and shown to anyone who can read the workspace.

import type { PbxEventType } from '../pbx/pbxEvent';

/** How one sync of one user ended. */
export type SyncResult = 'synced' | 'statusChecked' | 'skipped' | 'rescheduled' | 'failed';

/** How one delivery attempt of one webhook ended. */
export type WebhookResult = 'delivered' | 'retry' | 'failed' | 'gone';

/** What a Graph request was for; read from its path, never the path itself. */
export type GraphRequestKind =
  | 'delta'
  | 'events'
  | 'subscriptions'
  | 'batch'
  | 'mailbox'
  | 'users'
  | 'groups'
  | 'other';

/** An HTTP status reduced to its class, or no answer at all. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network';

/** Why an integration stopped being synced: the tenant refuses the app, or removed a permission. */
export type ConsentLoss = 'refused' | 'permissionsMissing';

/** Why the notification endpoint asked Graph to deliver again (it answered 503). */
export type NotificationRefusal = 'queueFailed' | 'late' | 'unverified';

export interface Metrics {
  /** From a change notification's arrival to the PBX's 2xx for a webhook it caused. */
  notificationToWebhook(milliseconds: number, type: PbxEventType): void;
  syncFinished(result: SyncResult): void;
  /** One HTTP request to Graph; `retryAfter` is set when a 429 or 503 said when to come back. */
  graphRequest(kind: GraphRequestKind, status: number | 'network', retryAfter: boolean): void;
  webhookAttempted(result: WebhookResult): void;
  /**
   * What one maintenance run left at risk: subscriptions inside the renewal
   * margin it could not renew, and users it left without a live subscription.
   * Recorded every run, zeros included, so an alert clears once they are fixed.
   */
  subscriptionsAtRisk(counts: { expiring: number; missing: number }): void;
  /** An integration just moved to `consentRequired` or `permissionsMissing`. */
  consentLost(why: ConsentLoss): void;
  /** The notification endpoint answered 5xx, so Graph delivers the POST again. */
  notificationRefused(cause: 'notification' | 'lifecycle', why: NotificationRefusal): void;
}

/** For runs without an exporter (local host, tests that do not look): records nothing. */
export const noMetrics: Metrics = {
  notificationToWebhook: () => undefined,
  syncFinished: () => undefined,
  graphRequest: () => undefined,
  webhookAttempted: () => undefined,
  subscriptionsAtRisk: () => undefined,
  consentLost: () => undefined,
  notificationRefused: () => undefined,
};

export function statusClass(status: number | 'network'): StatusClass {
  if (status === 'network') return 'network';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
