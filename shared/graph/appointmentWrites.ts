// The call centre's appointments in a field worker's Outlook calendar, through
// Graph: create, move, cancel (delete) and read back, each answered in the
// booking's words instead of as an HTTP error. Writing needs Application
// `Calendars.ReadWrite` (https://learn.microsoft.com/graph/api/user-post-events),
// and the tenant keeps it to one group's mailboxes with RBAC for Applications
// (https://learn.microsoft.com/exchange/permissions-exo/application-rbac);
// both refusals come back as 403 ErrorAccessDenied, which Graph does not tell
// apart, so they are one outcome here: `refused`.
//
// Creates carry a `transactionId`: "A custom identifier specified by a client
// app for the server to avoid redundant POST operations in case of client
// retries to create the same event" (https://learn.microsoft.com/graph/api/resources/event).
// A retry with the same id answers 201 with the event made the first time.

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { relativeGraphPath } from './graphClient';
import { graphDateTimeAt, instantOfGraphDateTime } from './graphDateTime';
import { classifyGraphError } from './graphErrors';

export interface AppointmentInput {
  subject: string;
  /** UTC instants (ms). */
  start: number;
  end: number;
  /** IANA zone the appointment is written in, so Outlook shows it as booked (e.g. Europe/Stockholm). */
  timeZone: string;
  location?: string;
  /** Plain text for the person booked: it becomes the event's body. */
  note?: string;
  /** The client key that makes a retried create harmless. */
  transactionId: string;
}

/** Why a call did not do what was asked. */
export type AppointmentFailure =
  /** 403: no Calendars.ReadWrite, or the mailbox is outside the RBAC write scope; nothing was written. */
  | { kind: 'refused'; code: string }
  /** 404: the mailbox (create) or the appointment (move, cancel, read) does not exist. */
  | { kind: 'gone'; code: string }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'failed'; status: number; code: string };

export type CreateOutcome = { kind: 'created'; eventId: string; changeKey?: string } | AppointmentFailure;
export type MoveOutcome = { kind: 'moved'; changeKey?: string } | AppointmentFailure;
export type CancelOutcome = { kind: 'cancelled' } | AppointmentFailure;
export type AppointmentState =
  | { kind: 'exists'; start: number; end: number; isCancelled: boolean; changeKey?: string }
  | AppointmentFailure;

const writtenSchema = z.object({ id: z.string().min(1), changeKey: z.string().nullish() });
const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string() });
const readSchema = z.object({
  id: z.string().min(1),
  changeKey: z.string().nullish(),
  isCancelled: z.boolean().nullish(),
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
});

function failureOf(error: unknown): AppointmentFailure {
  const failure = classifyGraphError(error);
  if (!failure) throw error;
  switch (failure.kind) {
    case 'throttled':
      return { kind: 'throttled', retryAfterSeconds: failure.retryAfterSeconds };
    case 'accessDenied':
      return { kind: 'refused', code: failure.code };
    case 'notFound':
      return { kind: 'gone', code: failure.code };
    default:
      return { kind: 'failed', status: failure.status, code: failure.code };
  }
}

const eventPath = (mailbox: string, eventId: string) =>
  `/users/${encodeURIComponent(mailbox)}/events/${encodeURIComponent(eventId)}`;

const changeKeyOf = (changeKey: string | null | undefined) => (changeKey ? { changeKey } : {});

/** Creates the appointment, busy, in `mailbox`'s default calendar. */
export async function createAppointment(
  client: Client,
  mailbox: string,
  input: AppointmentInput,
): Promise<CreateOutcome> {
  try {
    const raw: unknown = await client.api(`/users/${encodeURIComponent(mailbox)}/events`).post({
      subject: input.subject,
      showAs: 'busy',
      start: graphDateTimeAt(input.start, input.timeZone),
      end: graphDateTimeAt(input.end, input.timeZone),
      ...(input.location ? { location: { displayName: input.location } } : {}),
      ...(input.note ? { body: { contentType: 'text', content: input.note } } : {}),
      transactionId: input.transactionId,
    });
    const written = writtenSchema.parse(raw);
    return { kind: 'created', eventId: written.id, ...changeKeyOf(written.changeKey) };
  } catch (error) {
    return failureOf(error);
  }
}

/** Moves the appointment to new times, written in `timeZone`. */
export async function moveAppointment(
  client: Client,
  mailbox: string,
  eventId: string,
  times: { start: number; end: number; timeZone: string },
): Promise<MoveOutcome> {
  try {
    const raw: unknown = await client.api(eventPath(mailbox, eventId)).patch({
      start: graphDateTimeAt(times.start, times.timeZone),
      end: graphDateTimeAt(times.end, times.timeZone),
    });
    const written = writtenSchema.parse(raw);
    return { kind: 'moved', ...changeKeyOf(written.changeKey) };
  } catch (error) {
    return failureOf(error);
  }
}

/** Deletes the appointment from the calendar. Already gone answers `gone`, which callers may count as done. */
export async function cancelAppointment(
  client: Client,
  mailbox: string,
  eventId: string,
): Promise<CancelOutcome> {
  try {
    await client.api(eventPath(mailbox, eventId)).delete();
    return { kind: 'cancelled' };
  } catch (error) {
    return failureOf(error);
  }
}

/** Where the appointment is now (the owner may have moved or deleted it in Outlook). */
export async function readAppointment(
  client: Client,
  mailbox: string,
  eventId: string,
): Promise<AppointmentState> {
  let raw: unknown;
  try {
    raw = await client
      .api(eventPath(mailbox, eventId))
      .header('Prefer', 'outlook.timezone="UTC"')
      .select(['id', 'changeKey', 'isCancelled', 'start', 'end'])
      .get();
  } catch (error) {
    return failureOf(error);
  }
  const parsed = readSchema.safeParse(raw);
  const start = parsed.success ? instantOfGraphDateTime(parsed.data.start) : undefined;
  const end = parsed.success ? instantOfGraphDateTime(parsed.data.end) : undefined;
  if (!parsed.success || start === undefined || end === undefined) {
    return { kind: 'failed', status: 200, code: 'unreadableEvent' };
  }
  return {
    kind: 'exists',
    start,
    end,
    isCancelled: parsed.data.isCancelled ?? false,
    ...changeKeyOf(parsed.data.changeKey),
  };
}

const viewPageSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1), transactionId: z.string().nullish() })),
  '@odata.nextLink': z.string().optional(),
});

/** A slot holds few appointments; more pages than this is not a slot we booked in. */
const MAX_VIEW_PAGES = 5;

/**
 * The appointment created earlier with `transactionId` in [start, end), if
 * the mailbox has one: a create whose answer was lost (a crash, a timeout)
 * left it in Graph with no booking of ours. Graph returns `transactionId`
 * only on events a client set it on (https://learn.microsoft.com/graph/api/resources/event).
 */
export async function findAppointmentByTransaction(
  client: Client,
  baseUrl: string,
  mailbox: string,
  slot: { start: number; end: number },
  transactionId: string,
): Promise<string | undefined> {
  const query = new URLSearchParams({
    startDateTime: new Date(slot.start).toISOString(),
    endDateTime: new Date(slot.end).toISOString(),
    $select: 'id,transactionId',
    $top: '50',
  });
  let path: string | undefined = `/users/${encodeURIComponent(mailbox)}/calendarView?${query.toString()}`;
  for (let page = 0; path && page < MAX_VIEW_PAGES; page++) {
    let raw: unknown;
    try {
      raw = await client.api(path).get();
    } catch (error) {
      // Not finding it is the safe answer: the caller then refuses the taken slot.
      if (classifyGraphError(error)) return undefined;
      throw error;
    }
    const parsed = viewPageSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const own = parsed.data.value.find((event) => event.transactionId === transactionId);
    if (own) return own.id;
    const next = parsed.data['@odata.nextLink'];
    path = next ? relativeGraphPath(next, baseUrl) : undefined;
  }
  return undefined;
}
