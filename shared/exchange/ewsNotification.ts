// Exchange's push notification as it arrives (a SendNotification SOAP
// request) and the answer it waits for (SendNotificationResult). The body is
// an anonymous caller's input: it is read with fast-xml-parser into a small
// ordered tree (no entity expansion, no DTD) and checked with zod before
// anything trusts it.
//
// Shape (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/sendnotification.md,
// sendnotificationresponsemessage.md, notification-ex15websvcsotherref.md,
// statusevent.md, movedevent.md): Envelope/Body/SendNotification/
// ResponseMessages/SendNotificationResponseMessage/Notification with
// SubscriptionId, PreviousWatermark, MoreEvents and the events in order, each
// with its Watermark; a StatusEvent is the ping sent when nothing happened.
// The answer's SubscriptionStatus is OK (go on) or Unsubscribe (Exchange ends
// the subscription), docs/web-service-reference/subscriptionstatus.md.
//
// Prefixes are dropped: the local names read here are unique across the soap,
// messages and types namespaces.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';

export const EWS_EVENT_TYPES = [
  'StatusEvent',
  'CreatedEvent',
  'ModifiedEvent',
  'DeletedEvent',
  'MovedEvent',
  'CopiedEvent',
  'NewMailEvent',
  'FreeBusyChangedEvent',
] as const;
export type EwsEventType = (typeof EWS_EVENT_TYPES)[number];

export interface EwsNotificationEvent {
  type: EwsEventType;
  watermark: string;
}

export interface EwsNotification {
  subscriptionId: string;
  previousWatermark: string;
  moreEvents: boolean;
  /** In Exchange's order: the last one's watermark is the newest. */
  events: EwsNotificationEvent[];
  /** NoError, or why Exchange could not give the events (the sync reads the calendar whole either way). */
  responseCode: string;
}

export type NotificationParse = { ok: true; notification: EwsNotification } | { ok: false; reason: string };

/** A subscription id, a watermark: opaque base64 from Exchange, a few dozen characters in practice. */
const token = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9+/=_-]+$/, 'not an Exchange token');

const notificationSchema = z.object({
  subscriptionId: token,
  previousWatermark: token,
  moreEvents: z.enum(['true', 'false']).transform((text) => text === 'true'),
  events: z.array(z.object({ type: z.enum(EWS_EVENT_TYPES), watermark: token })).max(1000),
  responseCode: z
    .string()
    .max(100)
    .regex(/^[A-Za-z]+$/),
});

/** Exchange sends a few events a notification (MoreEvents says when more follow); anything near this is not Exchange. */
export const MAX_NOTIFICATION_BYTES = 512 * 1024;

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  trimValues: true,
});

function toNodes(ordered: unknown, depth = 0): XmlNode[] {
  // SendNotification nests eight deep; a deeper tree is not one and is not walked.
  if (!Array.isArray(ordered) || depth > 16) return [];
  return ordered.flatMap((entry: Record<string, unknown>) => {
    const name = Object.keys(entry).find((key) => key !== ':@' && key !== '#text');
    if (name === undefined) return [];
    const content = entry[name];
    const text = Array.isArray(content)
      ? content.map((child: Record<string, unknown>) => String(child['#text'] ?? '')).join('')
      : '';
    return [{ name, children: toNodes(content, depth + 1), text: text.trim() }];
  });
}

const child = (node: XmlNode | undefined, name: string) => node?.children.find((c) => c.name === name);

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return `notification does not match the schema${path ? ` at ${path}` : ''}: ${issue?.message ?? 'invalid'}`;
}

export function parseSendNotification(body: string): NotificationParse {
  if (Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES)
    return { ok: false, reason: `body larger than ${MAX_NOTIFICATION_BYTES} bytes` };
  if (/<!DOCTYPE/i.test(body)) return { ok: false, reason: 'a document type declaration is not allowed' };
  if (XMLValidator.validate(body) !== true) return { ok: false, reason: 'body is not well-formed XML' };
  let tree: XmlNode[];
  try {
    tree = toNodes(parser.parse(body));
  } catch {
    return { ok: false, reason: 'body is not well-formed XML' };
  }
  const envelope = tree.find((node) => node.name === 'Envelope');
  const send = child(child(envelope, 'Body'), 'SendNotification');
  if (send === undefined)
    return { ok: false, reason: 'not a SOAP envelope with SendNotification in its body' };
  const messages = (child(send, 'ResponseMessages')?.children ?? []).filter(
    (node) => node.name === 'SendNotificationResponseMessage',
  );
  // One subscription per POST: the answer has one SubscriptionStatus for it.
  if (messages.length !== 1)
    return { ok: false, reason: 'expected exactly one SendNotificationResponseMessage' };
  const message = messages[0] as XmlNode;
  const notification = child(message, 'Notification');
  if (notification === undefined) return { ok: false, reason: 'the response message has no Notification' };
  const candidate = {
    subscriptionId: child(notification, 'SubscriptionId')?.text,
    previousWatermark: child(notification, 'PreviousWatermark')?.text,
    moreEvents: child(notification, 'MoreEvents')?.text,
    events: notification.children
      .filter((node) => node.name.endsWith('Event'))
      .map((node) => ({ type: node.name, watermark: child(node, 'Watermark')?.text })),
    responseCode: child(message, 'ResponseCode')?.text ?? 'NoError',
  };
  const parsed = notificationSchema.safeParse(candidate);
  if (!parsed.success) return { ok: false, reason: firstProblem(parsed.error) };
  if (parsed.data.events.length === 0) return { ok: false, reason: 'the notification has no event' };
  return { ok: true, notification: parsed.data };
}

/** The newest watermark the notification carries: where a new subscription would resume. */
export function newestWatermark(notification: EwsNotification): string {
  return notification.events.at(-1)?.watermark ?? notification.previousWatermark;
}

/** Nothing but status pings: the subscription is alive and nothing changed. */
export function isStatusOnly(notification: EwsNotification): boolean {
  return notification.events.every((event) => event.type === 'StatusEvent');
}

export type SubscriptionStatus = 'OK' | 'Unsubscribe';

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';

/** The SOAP answer to a SendNotification. */
export function sendNotificationResult(status: SubscriptionStatus): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body>` +
    `<SendNotificationResult xmlns="${MESSAGES_NS}"><SubscriptionStatus>${status}</SubscriptionStatus>` +
    `</SendNotificationResult></soap:Body></soap:Envelope>`
  );
}
