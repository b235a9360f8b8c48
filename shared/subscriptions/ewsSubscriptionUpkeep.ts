// Keeping each Exchange Server user's push subscription alive. Nothing is
// renewed: Exchange keeps a push subscription as long as its notifications
// and status pings are answered, retries an unanswered one for
// StatusFrequency minutes and then drops it; a client that hears nothing for
// twice StatusFrequency should make it again
// (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/statusfrequency.md). So the upkeep makes a
// subscription for a user without one, and makes a silent one again from the
// last watermark we stored, which has Exchange replay what happened since
// (docs/web-service-reference/subscribe-operation.md); the caller queues a
// catch-up sync as well, since that replay is a hint and the sync reads the
// whole window. A watermark Exchange no longer has (older than its 30 days,
// docs/web-service-reference/watermark.md) is dropped and the subscription
// starts afresh, the catch-up covering the gap. Microsoft notes that
// resubscribing from an old watermark costs Exchange a scan of the events
// since (docs/exchange-web-services/handling-notification-related-errors-in-ews-in-exchange.md);
// our watermarks are at most a few pings old.
//
// Folder-permission integrations cannot subscribe at all (delegate access:
// ErrorSubscriptionDelegateAccessNotSupported); their users are caught up by
// every maintenance run instead, and no Subscribe is sent for them.
import { randomBytes } from 'node:crypto';
import { type EwsConnection, EwsFailure } from '../exchange/ewsCalendarReader';
import { isInvalidWatermark, subscribeCalendarPush } from '../exchange/ewsPushSubscription';
import type { Logger } from '../logger';
import { optimisticUpdate, settledOrThrow, userRow } from '../storage/optimisticUpdate';
import type { IntegrationRecord, SubscriptionRecord, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { silenceAllowedMs } from '../sync/ewsNotificationIntake';

/**
 * Ten minutes between pings: a dead subscription is noticed after twenty
 * minutes of silence (plus up to one maintenance period), and our endpoint may
 * be unreachable for up to eight minutes (Exchange's retries at 0.5, 1, 2, 4
 * and 8 minutes) before Exchange drops it. A ping costs one Table write.
 */
export const EWS_STATUS_FREQUENCY_MINUTES = 10;

export interface EwsUpkeepDeps {
  repos: Pick<Repositories, 'users' | 'subscriptions'>;
  /** The integration's EWS endpoint and credentials (the password from the secret store). */
  ewsConnectionFor(integration: IntegrationRecord): Promise<EwsConnection>;
  now: () => Date;
  urls: { exchangeNotifications: string };
  log: Logger;
  statusFrequencyMinutes?: number;
}

export type EwsSubscribeOutcome =
  | { kind: 'subscribed'; record: SubscriptionRecord; resumed: boolean }
  /** Folder permission: Exchange allows no subscription; the maintenance run polls. */
  | { kind: 'polled' };

/** 32 random bytes, URL-safe: the secret in the callback URL, as Graph's clientState is in its body. */
function newUrlSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Subscribes the user's Calendar and points the user at the new subscription,
 * forgetting the old one (Exchange is told Unsubscribe when it next calls for
 * it). `from` resumes after a stored watermark. The record is stored before
 * the user points at it, so a notification racing the creation finds it.
 * Throws EwsFailure when Exchange refuses or cannot be reached.
 */
export async function subscribeEwsUser(
  integration: IntegrationRecord,
  user: UserRecord,
  deps: EwsUpkeepDeps,
  from?: { watermark: string },
): Promise<EwsSubscribeOutcome> {
  const connection = await deps.ewsConnectionFor(integration);
  if (connection.accessMode === 'folderPermission') return { kind: 'polled' };
  const secret = newUrlSecret();
  const statusFrequencyMinutes = deps.statusFrequencyMinutes ?? EWS_STATUS_FREQUENCY_MINUTES;
  const request = {
    mailbox: user.id,
    callbackUrl: `${deps.urls.exchangeNotifications.replace(/\/+$/, '')}/${secret}`,
    statusFrequencyMinutes,
  };
  let resumed = from !== undefined;
  const made = await subscribeCalendarPush(
    connection,
    from ? { ...request, watermark: from.watermark } : request,
  ).catch((error: unknown) => {
    if (!(from && error instanceof EwsFailure && isInvalidWatermark(error))) throw error;
    deps.log.warn('Exchange no longer has the stored watermark; subscribing afresh', {
      integrationId: integration.id,
    });
    resumed = false;
    return subscribeCalendarPush(connection, request);
  });
  const now = deps.now();
  const record: SubscriptionRecord = {
    subscriptionId: made.subscriptionId,
    integrationId: integration.id,
    userId: user.id,
    clientState: secret,
    resource: `ews:${user.id}/calendar`,
    expiresAt: new Date(now.getTime() + silenceAllowedMs(statusFrequencyMinutes)).toISOString(),
    ews: { watermark: made.watermark, statusFrequencyMinutes, lastHeardAt: now.toISOString() },
  };
  await deps.repos.subscriptions.upsert(record);
  const pointed = await optimisticUpdate(
    userRow(deps.repos.users, user.integrationId, user.id),
    (current): UserRecord => ({ ...current, subscriptionId: record.subscriptionId }),
  );
  settledOrThrow(pointed, `user ${user.id} of integration ${user.integrationId}`);
  if (user.subscriptionId && user.subscriptionId !== record.subscriptionId) {
    await deps.repos.subscriptions.delete(user.subscriptionId);
  }
  return { kind: 'subscribed', record, resumed };
}

/** What the maintenance run should do for one user of an Exchange Server integration. */
export type EwsUpkeepNeed =
  | { kind: 'fine' }
  | { kind: 'missing' }
  | { kind: 'silent'; watermark: string }
  /** Folder permission: no subscription possible; a catch-up every run. */
  | { kind: 'polled' };

export function ewsUpkeepNeed(
  user: UserRecord,
  subscription: SubscriptionRecord | undefined,
  accessMode: EwsConnection['accessMode'],
  now: Date,
): EwsUpkeepNeed {
  if (accessMode === 'folderPermission') return { kind: 'polled' };
  if (!user.subscriptionId || subscription?.ews === undefined) return { kind: 'missing' };
  const silentFor = now.getTime() - Date.parse(subscription.ews.lastHeardAt);
  return silentFor > silenceAllowedMs(subscription.ews.statusFrequencyMinutes)
    ? { kind: 'silent', watermark: subscription.ews.watermark }
    : { kind: 'fine' };
}
