// The one reading of a Graph event: the JSON of Graph's event resource, as
// calendarView/delta and GET /events return it, becomes a CalendarEntry. The
// sync (through the Graph calendar source) and the rules dry run both read
// events here, so the dry run shows what the sync does with the same event.
//
// Graph's values, from the event resource
// (https://learn.microsoft.com/graph/api/resources/event, source
// microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/event.md):
// showAs (freeBusyStatus) is free, tentative, busy, oof, workingElsewhere or
// unknown; sensitivity is normal, personal, private or confidential; type is
// singleInstance, occurrence, exception or seriesMaster. calendarView/delta
// returns the same properties as GET calendarView (event-delta.md), except
// that occurrences of a series carry only their id, type, seriesMasterId,
// start and end: the rest is the series master's. The defaults below are
// decided once, for what real Graph data needs:
// - showAs missing (an occurrence is filled from its master first): busy,
//   Outlook's default for appointments and meetings; a value Graph adds later
//   reads as busy too, so it neither breaks a sync nor hides an absence.
// - sensitivity missing: normal (Graph's default); a value Graph adds later
//   reads as private, so privacy fails closed.
// - type missing: singleInstance; categories missing: none; isCancelled and
//   isAllDay missing: false; responseStatus missing or unknown: none.
// - id, start and end are required: without them there is nothing to place.
import { z } from 'zod';
import {
  type CalendarEntry,
  type EntryTiming,
  RESPONSE_VALUES,
  SENSITIVITY_VALUES,
  type Sensitivity,
  SHOW_AS_VALUES,
  type ShowAs,
} from '../domain/calendarEntry';
import { parseCalendarDate, utcInstantOf } from '../domain/rules/zonedTime';
import { isTimeZone } from '../domain/timeZone';

const EVENT_TYPES = ['singleInstance', 'occurrence', 'exception', 'seriesMaster'] as const;

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string() });
type DateTimeTimeZone = z.infer<typeof dateTimeTimeZone>;

const known = <T extends string>(values: readonly T[], value: string): value is T =>
  (values as readonly string[]).includes(value);

/** Absent stays undefined (an occurrence may take it from its master); anything else is read once. */
const showAsSchema = z
  .string()
  .nullish()
  .transform((value): ShowAs | undefined =>
    value === null || value === undefined ? undefined : known(SHOW_AS_VALUES, value) ? value : 'busy',
  );

const sensitivitySchema = z
  .string()
  .nullish()
  .transform((value): Sensitivity | undefined =>
    value === null || value === undefined ? undefined : known(SENSITIVITY_VALUES, value) ? value : 'private',
  );

const responseSchema = z
  .string()
  .nullish()
  .transform((value) => (value && known(RESPONSE_VALUES, value) ? value : undefined));

/** Only the fields the rules read; everything else Graph sends is ignored. */
export const graphEventSchema = z.object({
  id: z.string().min(1),
  type: z.enum(EVENT_TYPES).nullish(),
  seriesMasterId: z.string().nullish(),
  subject: z.string().nullish(),
  showAs: showAsSchema,
  sensitivity: sensitivitySchema,
  categories: z.array(z.string()).nullish(),
  isCancelled: z.boolean().nullish(),
  isAllDay: z.boolean().nullish(),
  responseStatus: z.looseObject({ response: responseSchema }).nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
});
export type GraphEvent = z.infer<typeof graphEventSchema>;
/** A Graph event as JSON, before reading. */
export type GraphEventJson = z.input<typeof graphEventSchema>;

/** An entry, or why the event cannot be one; `path` names the field at fault, from `event` or `master`. */
export type EntryReading = { entry: CalendarEntry } | { error: string; path: string };

export const removedItemSchema = z.object({
  id: z.string().min(1),
  '@removed': z.object({ reason: z.string().optional() }).passthrough(),
});

/** One item of a delta page: a removal notice or an event (possibly partial). */
export type DeltaItem = { kind: 'removed'; id: string } | { kind: 'event'; event: GraphEvent };

/**
 * A delta item, or the first field that kept it from being one (e.g. `type`
 * with a value Graph does not document), so the sync can say what it skipped.
 */
export function parseDeltaItem(raw: unknown): DeltaItem | { kind: 'unreadable'; field: string } {
  const removed = removedItemSchema.safeParse(raw);
  if (removed.success) return { kind: 'removed', id: removed.data.id };
  const event = graphEventSchema.safeParse(raw);
  if (event.success) return { kind: 'event', event: event.data };
  return { kind: 'unreadable', field: String(event.error.issues[0]?.path[0] ?? 'item') };
}

/** An occurrence that came with times only: its properties are its series master's. */
export function needsMaster(event: GraphEvent): boolean {
  return event.type === 'occurrence' && event.showAs === undefined;
}

/** Occurrences carry only their times; the rest comes from the series master. */
export function withMasterProperties(occurrence: GraphEvent, master: GraphEvent): GraphEvent {
  return {
    ...master,
    id: occurrence.id,
    type: occurrence.type ?? 'occurrence',
    seriesMasterId: occurrence.seriesMasterId ?? master.id,
    start: occurrence.start ?? master.start,
    end: occurrence.end ?? master.end,
  };
}

/** Reads the JSON of one event (and of its series master, when there is one) into an entry. */
export function entryFromGraphEvent(json: unknown, masterJson?: unknown): EntryReading {
  const event = readGraphEvent(json, 'event');
  if ('error' in event) return event;
  if (masterJson === undefined) return calendarEntryOf(event.event);
  const master = readGraphEvent(masterJson, 'master');
  if ('error' in master) return master;
  return calendarEntryOf(event.event, master.event);
}

export function readGraphEvent(
  json: unknown,
  root: 'event' | 'master' = 'event',
): { event: GraphEvent } | { error: string; path: string } {
  const parsed = graphEventSchema.safeParse(json);
  if (parsed.success) return { event: parsed.data };
  const issues = parsed.error.issues;
  const field = (path: readonly PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : root);
  return {
    error: issues.map((issue) => `${field(issue.path)}: ${issue.message}`).join('; '),
    path: [root, ...(issues[0]?.path ?? []).map(String)].join('.'),
  };
}

/**
 * The entry for an event already read. An occurrence without its own
 * properties needs its series master (the sync fetches it once per series);
 * without one there is no entry, and a master given for an event that has
 * its own properties is not used.
 */
export function calendarEntryOf(event: GraphEvent, master?: GraphEvent): EntryReading {
  let full = event;
  if (needsMaster(event)) {
    if (!event.seriesMasterId) {
      return { error: 'an occurrence without its properties must name its seriesMasterId', path: 'event' };
    }
    if (!master) {
      return {
        error:
          'an occurrence that comes with its times only takes its properties from its series master; give the master',
        path: 'master',
      };
    }
    if (master.id !== event.seriesMasterId) {
      return { error: `master.id: not the series master ${event.seriesMasterId}`, path: 'master.id' };
    }
    full = withMasterProperties(event, master);
  }
  const timing = timingOf(full);
  if ('error' in timing) return timing;
  return {
    entry: {
      id: full.id,
      kind: full.type ?? 'singleInstance',
      ...(full.seriesMasterId ? { seriesMasterId: full.seriesMasterId } : {}),
      subject: full.subject ?? '',
      showAs: full.showAs ?? 'busy',
      sensitivity: full.sensitivity ?? 'normal',
      categories: full.categories ?? [],
      isCancelled: full.isCancelled ?? false,
      responseStatus: full.responseStatus?.response ?? 'none',
      timing,
    },
  };
}

function timingOf(event: GraphEvent): EntryTiming | { error: string; path: string } {
  const { start, end } = event;
  if (!start) return { error: 'start: required', path: 'event.start' };
  if (!end) return { error: 'end: required', path: 'event.end' };
  if (event.isAllDay) {
    // All-day dates float: the rules place them in the mailbox's zone, whatever zone label Graph gives.
    const startDate = datePart(start, 'start');
    if (typeof startDate !== 'string') return startDate;
    const endDate = datePart(end, 'end');
    if (typeof endDate !== 'string') return endDate;
    return { kind: 'allDay', startDate, endDate };
  }
  const startAt = instantOf(start, 'start');
  if (typeof startAt !== 'number') return startAt;
  const endAt = instantOf(end, 'end');
  if (typeof endAt !== 'number') return endAt;
  return { kind: 'timed', start: new Date(startAt).toISOString(), end: new Date(endAt).toISOString() };
}

/** Graph's wall clock: "2026-11-25T12:00:00.0000000", no offset (a trailing Z is tolerated). */
const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?Z?$/;

/**
 * Graph's own spellings of UTC, besides the IANA ones. The sync asks for UTC
 * (`Prefer: outlook.timezone="UTC"`; UTC is also what Graph assumes without
 * it); a pasted event may carry an IANA zone. A Windows zone id is refused
 * rather than guessed.
 */
const UTC_ALIASES = new Set(['utc', 'tzone://microsoft/utc', 'etc/utc', 'z']);

function instantOf(value: DateTimeTimeZone, field: string): number | { error: string; path: string } {
  const match = WALL_CLOCK.exec(value.dateTime.trim());
  const date = match ? parseCalendarDate(match[1] ?? '') : undefined;
  const [hour, minute, second] = [Number(match?.[2]), Number(match?.[3]), Number(match?.[4] ?? 0)];
  if (!match || !date || hour > 23 || minute > 59 || second > 59) {
    return {
      error: `${field}.dateTime: "${value.dateTime}" is not a date and time like 2026-11-25T12:00:00.0000000`,
      path: `event.${field}.dateTime`,
    };
  }
  const millisecond = Number((match[5] ?? '').padEnd(3, '0').slice(0, 3));
  const wall = { ...date, hour, minute, second, millisecond };
  const zone = value.timeZone.trim();
  if (UTC_ALIASES.has(zone.toLowerCase())) {
    // The sync's every event is in UTC: no zone arithmetic needed.
    return Date.UTC(wall.year, wall.month - 1, wall.day, hour, minute, second, millisecond);
  }
  if (!isTimeZone(zone)) {
    return {
      error: `${field}.timeZone: unknown time zone "${value.timeZone}" (use UTC or an IANA name such as Europe/Stockholm)`,
      path: `event.${field}.timeZone`,
    };
  }
  return utcInstantOf(wall, zone);
}

function datePart(value: DateTimeTimeZone, field: string): string | { error: string; path: string } {
  const date = value.dateTime.trim().slice(0, 10);
  return parseCalendarDate(date)
    ? date
    : {
        error: `${field}.dateTime: "${value.dateTime}" does not start with a date like 2026-11-25`,
        path: `event.${field}.dateTime`,
      };
}
