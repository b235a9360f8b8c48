// What a mailbox is for and which zone it lives in, from its mailboxSettings.
// Each field is read on its own, so one field of an unexpected shape cannot
// cost the others (a lost time zone would put all-day absences in the
// deployment's zone). `userPurpose` is documented both as a string (the
// resource's JSON representation) and as `{"value":"user"}` (the
// get-mailboxSettings example); both are read.
// https://learn.microsoft.com/graph/api/resources/mailboxsettings
// https://learn.microsoft.com/graph/api/user-get-mailboxsettings

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { AutomaticRepliesSetting } from '../domain/automaticReplies';
import { DAYS_OF_WEEK, type WorkingHours, workingHoursSchema } from '../domain/workingHours';
import { automaticRepliesOf } from './automaticRepliesSetting';
import { classifyGraphError } from './graphErrors';
import { ianaTimeZone } from './windowsTimeZones';

const purposeSchema = z.union([z.string(), z.object({ value: z.string() }).transform((p) => p.value)]);
const timeZoneSchema = z.string().min(1);

export type MailboxCheck =
  /** `unknownZone`: the zone the mailbox reports when it maps to no IANA name. */
  | {
      kind: 'userMailbox';
      timeZone?: string;
      unknownZone?: string;
      workingHours?: WorkingHours;
      /** The automatic replies, when the settings carry a readable `automaticRepliesSetting`. */
      automaticReplies?: AutomaticRepliesSetting;
    }
  /** The app may not read mailbox settings (permission not granted); the address is taken on trust. */
  | { kind: 'unknown' }
  | { kind: 'notAUserMailbox'; purpose: string }
  | { kind: 'noMailbox' };

const fieldOf = (raw: unknown, name: string): unknown =>
  typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : undefined;

/**
 * Reads `mailboxSettings` (MailboxSettings.Read): its `userPurpose` says
 * whether this is a person's mailbox or a shared, room or equipment one, and
 * its time zone is the one all-day entries are read in.
 */
export async function checkMailbox(client: Client, userId: string): Promise<MailboxCheck> {
  let raw: unknown;
  try {
    raw = await client.api(`/users/${encodeURIComponent(userId)}/mailboxSettings`).get();
  } catch (error) {
    const failure = classifyGraphError(error);
    if (failure?.kind === 'accessDenied') return { kind: 'unknown' };
    // Graph answers 404 (MailboxNotEnabledForRESTAPI) for a user without an Exchange Online mailbox.
    if (failure?.kind === 'notFound') return { kind: 'noMailbox' };
    throw error;
  }
  if (typeof raw !== 'object' || raw === null) return { kind: 'unknown' };
  const purpose = purposeSchema.safeParse(fieldOf(raw, 'userPurpose'));
  const purposeName = purpose.success ? purpose.data : 'user';
  if (purposeName !== 'user' && purposeName !== 'linked')
    return { kind: 'notAUserMailbox', purpose: purposeName };
  const reported = timeZoneSchema.safeParse(fieldOf(raw, 'timeZone'));
  const zone = reported.success ? ianaTimeZone(reported.data) : undefined;
  const hours = workingHoursOf(fieldOf(raw, 'workingHours'), zone);
  const replies = automaticRepliesOf(fieldOf(raw, 'automaticRepliesSetting'));
  return {
    kind: 'userMailbox',
    ...(zone ? { timeZone: zone } : reported.success ? { unknownZone: reported.data } : {}),
    ...(hours ? { workingHours: hours } : {}),
    ...(replies.kind === 'read' ? { automaticReplies: replies.setting } : {}),
  };
}

const graphWorkingHoursSchema = z.object({
  daysOfWeek: z.array(z.string()),
  startTime: z.string(),
  endTime: z.string(),
  timeZone: z.object({ name: z.string().optional() }).nullish(),
});

/**
 * `workingHours` (https://learn.microsoft.com/graph/api/resources/workinghours):
 * times of day as `Edm.TimeOfDay` ("08:00:00.0000000", kept to the minute)
 * in their own zone, a Windows or IANA name (a custom zone, which has no
 * name we can map, falls back to the mailbox's zone). Unreadable hours are
 * left out, and a return time is then not moved to working hours.
 */
export function workingHoursOf(raw: unknown, mailboxZone: string | undefined): WorkingHours | undefined {
  const parsed = graphWorkingHoursSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { daysOfWeek, startTime, endTime, timeZone } = parsed.data;
  const zone = (timeZone?.name ? ianaTimeZone(timeZone.name) : undefined) ?? mailboxZone;
  const days = new Set<string>(DAYS_OF_WEEK);
  const hours = workingHoursSchema.safeParse({
    daysOfWeek: [...new Set(daysOfWeek.map((day) => day.toLowerCase()))].filter((day) => days.has(day)),
    start: startTime.slice(0, 5),
    end: endTime.slice(0, 5),
    timeZone: zone,
  });
  return hours.success ? hours.data : undefined;
}
