// Subscribes one mailbox's Calendar folder to EWS push notifications through
// ews-javascript-api: Exchange then POSTs SendNotification to `callbackUrl`
// for items created, modified, deleted or moved there, and a status ping
// when nothing happened for `statusFrequencyMinutes`
// (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/subscribe-operation.md,
// docs/web-service-reference/pushsubscriptionrequest.md,
// docs/web-service-reference/statusfrequency.md: 1 to 1440 minutes).
//
// A watermark resumes where an earlier subscription of the mailbox stopped:
// Exchange replays the events after it to the new subscription, which gets a
// new id (subscribe-operation.md). A watermark Exchange no longer has (events
// are kept 30 days, docs/web-service-reference/watermark.md) is refused with
// ErrorInvalidWatermark; the caller subscribes afresh and relies on its
// catch-up sync instead.
//
// Only the mailbox owner, or a caller impersonating it, may subscribe:
// folder permission is delegate access, and Exchange answers it with
// ErrorSubscriptionDelegateAccessNotSupported
// (docs/exchange-web-services/handling-delegation-related-errors-in-ews-in-exchange.md).
// The request is still sent in that mode, so the refusal is Exchange's own.
import { EventType, FolderId, Mailbox, Uri, WellKnownFolderName } from 'ews-javascript-api';
import { type EwsConnection, type EwsFailure, failureOf, serviceFor } from './ewsService';

/** What Exchange allows for StatusFrequency. */
export const STATUS_FREQUENCY_RANGE = { min: 1, max: 1440 } as const;

/** Changes to calendar items: what a sync must look at. NewMail, Copied and FreeBusyChanged add nothing for a calendar. */
const CALENDAR_EVENTS = [EventType.Created, EventType.Modified, EventType.Deleted, EventType.Moved];

export interface EwsPushRequest {
  mailbox: string;
  /** Where Exchange POSTs SendNotification; carries our per-subscription secret. */
  callbackUrl: string;
  statusFrequencyMinutes: number;
  /** Resume after this watermark (the last one we stored), or start now. */
  watermark?: string;
}

export interface EwsPushSubscription {
  subscriptionId: string;
  /** Where the subscription starts: the watermark to resume from if nothing arrives. */
  watermark: string;
}

/** ErrorInvalidWatermark: the watermark is unknown to the mailbox or older than Exchange keeps events. */
export function isInvalidWatermark(failure: EwsFailure): boolean {
  return failure.code === 'ErrorInvalidWatermark';
}

/** ErrorSubscriptionDelegateAccessNotSupported: folder permission cannot subscribe; such a mailbox is polled. */
export function isDelegateSubscriptionRefused(failure: EwsFailure): boolean {
  return failure.code === 'ErrorSubscriptionDelegateAccessNotSupported';
}

/** Throws EwsFailure when Exchange refuses (credentials, rights, watermark) or cannot be reached. */
export async function subscribeCalendarPush(
  connection: EwsConnection,
  request: EwsPushRequest,
): Promise<EwsPushSubscription> {
  const { min, max } = STATUS_FREQUENCY_RANGE;
  const frequency = request.statusFrequencyMinutes;
  if (!Number.isInteger(frequency) || frequency < min || frequency > max) {
    throw new RangeError(`statusFrequencyMinutes must be a whole number from ${min} to ${max}`);
  }
  const service = serviceFor(connection, request.mailbox);
  const folder =
    connection.accessMode === 'folderPermission'
      ? new FolderId(WellKnownFolderName.Calendar, new Mailbox(request.mailbox))
      : new FolderId(WellKnownFolderName.Calendar);
  const subscription = await service
    .SubscribeToPushNotifications(
      [folder],
      new Uri(request.callbackUrl),
      request.statusFrequencyMinutes,
      // The library writes no Watermark element for an empty one.
      request.watermark ?? '',
      ...CALENDAR_EVENTS,
    )
    .catch((error: unknown) => {
      throw failureOf(error);
    });
  return { subscriptionId: subscription.Id, watermark: subscription.Watermark };
}
