// Reading a mailbox's automatic replies from Graph:
// `GET /users/{id}/mailboxSettings/automaticRepliesSetting` (application
// permission MailboxSettings.Read,
// https://learn.microsoft.com/graph/api/user-get-mailboxsettings). The
// resource (https://learn.microsoft.com/graph/api/resources/automaticrepliessetting,
// microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/automaticrepliessetting.md):
// `status` is disabled, alwaysEnabled or scheduled, and the scheduled start
// and end are dateTimeTimeZone values that count only when it is scheduled.
// The documented examples spell the status both ways ("Scheduled" and
// "alwaysEnabled"), so it is read ignoring case; the zone of a time is
// whatever the mailbox holds, a Windows name included ("W. Europe Standard
// Time"), and is mapped to IANA as the mailbox's zone is.

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { AutomaticRepliesSetting } from '../domain/automaticReplies';
import { parseCalendarDate, utcInstantOf } from '../domain/rules/zonedTime';
import { classifyGraphError } from './graphErrors';
import type { BatchItem, BatchResponse } from './jsonBatch';
import { ianaTimeZone } from './windowsTimeZones';

export type AutomaticRepliesRead =
  | { kind: 'read'; setting: AutomaticRepliesSetting }
  /** Graph refused (no MailboxSettings.Read, no mailbox) or sent what cannot be read; `why` is for the log. */
  | { kind: 'unreadable'; why: string };

const zonedSchema = z.object({ dateTime: z.string(), timeZone: z.string() });
const settingSchema = z.object({
  status: z.string(),
  scheduledStartDateTime: zonedSchema.nullish(),
  scheduledEndDateTime: zonedSchema.nullish(),
});

export function automaticRepliesPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}/mailboxSettings/automaticRepliesSetting`;
}

export async function readAutomaticReplies(client: Client, userId: string): Promise<AutomaticRepliesRead> {
  let raw: unknown;
  try {
    raw = await client.api(automaticRepliesPath(userId)).get();
  } catch (error) {
    const refused = refusalOf(classifyGraphError(error)?.kind);
    if (refused) return refused;
    throw error;
  }
  return automaticRepliesOf(raw);
}

/** The same read as one item of a `$batch` (shared/graph/jsonBatch.ts). */
export function automaticRepliesBatchItem(id: string, userId: string): BatchItem {
  return { id, method: 'GET', url: automaticRepliesPath(userId) };
}

/** A batch item's answer; `failed` (throttled, a server error) is asked again another time. */
export function automaticRepliesFromBatch(
  response: BatchResponse,
): AutomaticRepliesRead | { kind: 'failed'; status: number } {
  if (response.status === 200) return automaticRepliesOf(response.body);
  const refused = refusalOf(
    response.status === 403 ? 'accessDenied' : response.status === 404 ? 'notFound' : '',
  );
  return refused ?? { kind: 'failed', status: response.status };
}

function refusalOf(kind: string | undefined): AutomaticRepliesRead | undefined {
  if (kind === 'accessDenied')
    return { kind: 'unreadable', why: 'Graph 403: MailboxSettings.Read not granted' };
  // 404 (MailboxNotEnabledForRESTAPI): no Exchange Online mailbox, so no automatic replies either.
  if (kind === 'notFound') return { kind: 'unreadable', why: 'Graph 404: no mailbox' };
  return undefined;
}

export function automaticRepliesOf(raw: unknown): AutomaticRepliesRead {
  const parsed = settingSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'unreadable', why: 'automaticRepliesSetting has no status' };
  const status = parsed.data.status.toLowerCase();
  if (status === 'disabled') return { kind: 'read', setting: { status: 'disabled' } };
  if (status === 'alwaysenabled') return { kind: 'read', setting: { status: 'alwaysEnabled' } };
  if (status !== 'scheduled')
    return { kind: 'unreadable', why: `automaticRepliesSetting.status "${parsed.data.status}"` };
  const start = instantOf(parsed.data.scheduledStartDateTime);
  const end = instantOf(parsed.data.scheduledEndDateTime);
  if (start === undefined || end === undefined)
    return { kind: 'unreadable', why: 'automaticRepliesSetting: a scheduled time that cannot be placed' };
  return {
    kind: 'read',
    setting: { status: 'scheduled', start: new Date(start).toISOString(), end: new Date(end).toISOString() },
  };
}

/** Graph's wall clock, "2016-03-14T07:00:00.0000000", without offset (a trailing Z is tolerated). */
const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?Z?$/;

function instantOf(value: z.infer<typeof zonedSchema> | null | undefined): number | undefined {
  if (!value) return undefined;
  const match = WALL_CLOCK.exec(value.dateTime.trim());
  const date = match ? parseCalendarDate(match[1] ?? '') : undefined;
  const zone = ianaTimeZone(value.timeZone);
  if (!match || !date || !zone) return undefined;
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return utcInstantOf({ ...date, hour, minute, second, millisecond: 0 }, zone);
}
