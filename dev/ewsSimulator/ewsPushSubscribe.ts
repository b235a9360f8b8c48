// The Subscribe operation with a PushSubscriptionRequest, read and answered
// as Exchange 2016 does (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/subscribe-operation.md,
// pushsubscriptionrequest.md, statusfrequency.md):
// - StatusFrequency is 1 to 1440 and URL is required: anything else fails
//   the schema (ErrorSchemaValidation);
// - one folder of one mailbox per request; only Calendar is simulated;
// - subscribing another mailbox's folder through a folder permission is
//   delegate access, refused with ErrorSubscriptionDelegateAccessNotSupported
//   (docs/exchange-web-services/handling-delegation-related-errors-in-ews-in-exchange.md);
// - a watermark not of this mailbox is ErrorInvalidWatermark (watermark.md).
// Pull and streaming subscriptions are not simulated.
import type { PushEventType } from './ewsPushEvents';
import { errorResponse, type SoapAnswer, soapFault } from './soapFaults';
import {
  escapeXml,
  firstChild,
  MESSAGES_NS,
  soapEnvelope,
  TYPES_NS,
  textOf,
  type XmlElement,
} from './soapXml';

export interface PushSubscribeRequest {
  distinguishedId: string | undefined;
  /** The folder's Mailbox/EmailAddress when it names a mailbox. */
  folderMailbox: string | undefined;
  eventTypes: PushEventType[];
  watermark: string | undefined;
  statusFrequencyMinutes: number;
  url: string;
}

const SUBSCRIBABLE = new Set<string>(['CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent']);
/** Event types the schema knows that a Calendar never raises in the simulator: accepted, never sent. */
const KNOWN = new Set<string>([...SUBSCRIBABLE, 'CopiedEvent', 'NewMailEvent', 'FreeBusyChangedEvent']);

export function readPushSubscribe(operation: XmlElement): PushSubscribeRequest | SoapAnswer {
  const push = firstChild(operation, 'PushSubscriptionRequest');
  if (push === undefined) {
    return errorResponse('Subscribe', 'ErrorInvalidRequest', 'Only push subscriptions are simulated.');
  }
  const frequencyText = textOf(firstChild(push, 'StatusFrequency')) ?? '30';
  const frequency = /^\d{1,4}$/.test(frequencyText) ? Number(frequencyText) : Number.NaN;
  const url = textOf(firstChild(push, 'URL'));
  const types = (firstChild(push, 'EventTypes')?.children ?? []).map((type) => textOf(type) ?? '');
  if (!(frequency >= 1 && frequency <= 1440) || url === undefined || types.some((type) => !KNOWN.has(type))) {
    return soapFault('ErrorSchemaValidation', 'The request failed schema validation.');
  }
  if (types.length === 0 || !/^https?:\/\//i.test(url)) {
    return errorResponse(
      'Subscribe',
      'ErrorInvalidSubscriptionRequest',
      'The subscription request is invalid.',
    );
  }
  const folders = firstChild(push, 'FolderIds')?.children ?? [];
  if (folders.length !== 1) {
    // One folder of one mailbox a request (handling-notification-related-errors-in-ews-in-exchange.md).
    return errorResponse(
      'Subscribe',
      'ErrorInvalidSubscriptionRequest',
      'Subscribe to one folder per request.',
    );
  }
  const folder = folders[0] as XmlElement;
  return {
    distinguishedId: folder.name === 'DistinguishedFolderId' ? folder.attributes.Id : undefined,
    folderMailbox: textOf(firstChild(firstChild(folder, 'Mailbox'), 'EmailAddress')),
    eventTypes: types.filter((type): type is PushEventType => SUBSCRIBABLE.has(type)),
    watermark: textOf(firstChild(push, 'Watermark')),
    statusFrequencyMinutes: frequency,
    url,
  };
}

export function subscribeAnswer(subscriptionId: string, watermark: string): SoapAnswer {
  const body =
    `<m:SubscribeResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>` +
    `<m:SubscribeResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
    `<m:SubscriptionId>${escapeXml(subscriptionId)}</m:SubscriptionId><m:Watermark>${escapeXml(watermark)}</m:Watermark>` +
    `</m:SubscribeResponseMessage></m:ResponseMessages></m:SubscribeResponse>`;
  return { status: 200, body: soapEnvelope(body) };
}
