// What we keep of a PBX's answer to a webhook: its length, its content type
// and a short summary chosen by content type (a JSON error's message, or its
// top-level keys; a line of plain text; an HTML title). The delivery log and
// the logs see only this, never the body: a PBX that echoes what it received
// would otherwise copy absence data and e-mail addresses into them, so a
// summary that repeats any value of our own payload is withheld.

import type { PbxEvent } from './pbxEvent';

/** What went wrong, in words that carry no address: the log and the admin API show only this. */
export type DeliveryErrorClass =
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
  /** Our side: the signing secret is missing or unreadable. */
  | 'secretUnavailable';

export interface PbxReply {
  /** Bytes of the body: Content-Length when the PBX sent one, else what arrived if the body ended. */
  length?: number;
  /** The media type only, without parameters. */
  contentType?: string;
  summary?: string;
}

const SUMMARY_CHARS = 120;
/** RFC 6838 §4.2 names, at most 127 characters each side. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const KEY_CHARS = 32;
const MAX_KEYS = 8;
/** Shorter values (`busy`, a version number) say nothing about anyone. */
const ECHO_MIN_CHARS = 4;
export const WITHHELD = 'withheld: repeats the webhook payload';
const MESSAGE_FIELDS = ['error', 'message', 'detail', 'title', 'error_description', 'reason'] as const;

export function summariseReply(
  headers: { contentType?: string; contentLength?: string },
  body: Uint8Array,
  complete: boolean,
  sent: PbxEvent,
): PbxReply {
  const mediaType = headers.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  // Only a well-formed media type is kept: the header is the PBX's to fill, with anything.
  const contentType = MEDIA_TYPE.test(mediaType) ? mediaType : undefined;
  const declared = Number(headers.contentLength);
  const length =
    headers.contentLength !== undefined && Number.isSafeInteger(declared) && declared >= 0
      ? declared
      : complete
        ? body.byteLength
        : undefined;
  const text = new TextDecoder().decode(body);
  const summary = summaryOf(contentType, text, complete);
  const kept = summary === undefined ? undefined : repeatsPayload(summary, sent) ? WITHHELD : summary;
  return {
    ...(length !== undefined ? { length } : {}),
    ...(contentType ? { contentType } : {}),
    ...(kept ? { summary: kept } : {}),
  };
}

function summaryOf(contentType: string | undefined, text: string, complete: boolean): string | undefined {
  const json = contentType === 'application/json' || contentType?.endsWith('+json') === true;
  const sniffedJson = contentType === undefined && /^\s*[[{]/.test(text);
  if (json || sniffedJson) return complete ? jsonSummary(text) : undefined;
  if (contentType === 'text/html') {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    return title ? clip(title, SUMMARY_CHARS) : undefined;
  }
  if (contentType === undefined || contentType === 'text/plain')
    return clip(text, SUMMARY_CHARS) || undefined;
  return undefined;
}

function jsonSummary(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'unreadable JSON';
  }
  if (Array.isArray(parsed)) return `JSON array of ${parsed.length}`;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  for (const field of MESSAGE_FIELDS) {
    const value = record[field];
    const message =
      typeof value === 'string'
        ? value
        : typeof value === 'object' &&
            value !== null &&
            typeof (value as { message?: unknown }).message === 'string'
          ? (value as { message: string }).message
          : undefined;
    if (message) return `${field}: ${clip(message, SUMMARY_CHARS)}`;
  }
  const keys = Object.keys(record);
  if (keys.length === 0) return undefined;
  const shown = keys.slice(0, MAX_KEYS).map((key) => clip(key, KEY_CHARS));
  return `keys: ${shown.join(', ')}${keys.length > MAX_KEYS ? ', …' : ''}`;
}

function clip(text: string, max: number): string {
  // Control characters would let a PBX forge lines in a log.
  const flat = text
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** True when any string of what we sent (long enough to identify someone) reappears in the summary. */
export function repeatsPayload(summary: string, sent: PbxEvent): boolean {
  const haystack = summary.toLowerCase();
  return payloadStrings(sent).some((value) => haystack.includes(value.toLowerCase()));
}

function payloadStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= ECHO_MIN_CHARS ? [value] : [];
  if (typeof value === 'number') return String(value).length >= ECHO_MIN_CHARS ? [String(value)] : [];
  if (Array.isArray(value)) return value.flatMap(payloadStrings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(payloadStrings);
  return [];
}
