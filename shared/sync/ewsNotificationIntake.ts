// Exchange Server's push notifications, verified and turned into sync
// requests as Graph's are (notificationIntake.ts). The endpoint is
// anonymous: a notification is trusted only when its SubscriptionId is one we
// stored and the secret in the URL it came to is that subscription's
// (compared in equal time). The user comes from our record, never from the
// body.
//
// What the answer does (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/subscriptionstatus.md): OK keeps the
// subscription, Unsubscribe makes Exchange end it. A subscription we do not
// know (replaced, or its user removed) gets Unsubscribe so Exchange stops
// sending. A known id with the wrong secret cannot come from Exchange (the
// URL is fixed when the subscription is made), so its answer only reaches the
// forger: it gets the same Unsubscribe, which tells it nothing about which
// ids exist, and nothing is queued or written.
//
// What one verified notification costs: one point read of the subscription's
// own row (the runtime's EWS lookups never answer a known id from memory, so
// a replaced subscription is told Unsubscribe at once), one Merge of the
// integration's copy (watermark, lastHeardAt, expiresAt), and, for events,
// the sync messages (coalesced per user, the user's session). A status ping
// costs the read and the Merge. An unknown id costs one read, then nothing
// while the instance remembers it as unknown.

import type { EwsNotification } from '../exchange/ewsNotification';
import { isStatusOnly, newestWatermark } from '../exchange/ewsNotification';
import { failureForLog, type Logger } from '../logger';
import type { QueueSender } from '../queue/queuePort';
import type { SubscriptionRecord } from '../storage/records';
import type { SubscriptionRepository } from '../storage/repositories';
import { sameSecret } from './notificationIntake';
import type { SubscriptionLookups } from './subscriptionLookups';
import { notificationSyncMessages } from './syncRequest';

export interface EwsIntakeDeps {
  subscriptions: Pick<SubscriptionRepository, 'get' | 'recordEwsHeard'>;
  queue: QueueSender;
  now: () => Date;
  coalesceSeconds: number;
  log: Logger;
  /** The instance's memory of unknown ids and its bounded reads (shared/sync/subscriptionLookups.ts). */
  lookups: SubscriptionLookups;
}

export type EwsIntakeOutcome =
  /** Ours and verified: answer OK. `queued` when it carried changes. */
  | { kind: 'accepted'; queued: boolean }
  /** Not ours, or not provably from Exchange: answer Unsubscribe, nothing done. */
  | { kind: 'refused'; why: 'unknownSubscription' | 'notEws' | 'badSecret' | 'unchecked' }
  /** The subscription could not be read or the sync not queued: let Exchange send it again. */
  | { kind: 'retry'; error: unknown };

/**
 * How long an EWS subscription may stay silent before it counts as lost: twice
 * its StatusFrequency, the point at which Microsoft says a push client should
 * re-create it (docs/web-service-reference/statusfrequency.md). One
 * frequency is the ping's own period, the second is the margin for a ping
 * delayed by a loaded server or a retry.
 */
export function silenceAllowedMs(statusFrequencyMinutes: number): number {
  return 2 * statusFrequencyMinutes * 60_000;
}

export async function acceptEwsNotification(
  notification: EwsNotification,
  urlSecret: string,
  deps: EwsIntakeDeps,
): Promise<EwsIntakeOutcome> {
  const { subscriptionId } = notification;
  const lookups = await deps.lookups.resolve(
    [subscriptionId],
    (id) => deps.subscriptions.get(id),
    (record) => sameSecret(record.clientState, urlSecret),
  );
  const lookup = lookups.get(subscriptionId);
  if (lookup?.kind === 'failed') return { kind: 'retry', error: lookup.error };
  const refused = (why: Extract<EwsIntakeOutcome, { kind: 'refused' }>['why']): EwsIntakeOutcome => {
    // The kind only: the id is a caller's input and the secret is a secret.
    deps.log.warn('refused an EWS notification', { why });
    return { kind: 'refused', why };
  };
  if (lookup === undefined || lookup.kind === 'unchecked') return refused('unchecked');
  if (lookup.kind === 'unknown') return refused('unknownSubscription');
  const record: SubscriptionRecord = lookup.record;
  if (record.ews === undefined) return refused('notEws');
  if (!sameSecret(record.clientState, urlSecret)) return refused('badSecret');

  const now = deps.now();
  // Changes, or Exchange saying it could not give them (a non-NoError message): either way the user is read again.
  const changed = !isStatusOnly(notification) || notification.responseCode !== 'NoError';
  if (changed) {
    try {
      await deps.queue.send(
        'sync',
        notificationSyncMessages(
          { integrationId: record.integrationId, userId: record.userId, cause: 'notification' },
          now,
          deps.coalesceSeconds,
        ),
      );
    } catch (error) {
      return { kind: 'retry', error };
    }
  }
  // After the queue: a watermark is stored only once its changes are sure to be read.
  try {
    await deps.subscriptions.recordEwsHeard(record, {
      watermark: newestWatermark(notification),
      lastHeardAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + silenceAllowedMs(record.ews.statusFrequencyMinutes)).toISOString(),
    });
  } catch (error) {
    // The sync is queued; at worst the maintenance run thinks the subscription silent and makes it again.
    deps.log.warn('could not store an EWS notification’s watermark', {
      integrationId: record.integrationId,
      ...failureForLog(error),
    });
  }
  return { kind: 'accepted', queued: changed };
}
