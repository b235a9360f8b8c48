import { z } from 'zod';
import { type CalendarEntry, RESPONSE_VALUES, SENSITIVITY_VALUES, SHOW_AS_VALUES } from '../calendarEntry';
import { isKnownTimeZone, parseCalendarDate, utcInstantOf } from './zonedTime';

/**
 * A Graph event as Graph returns it (only the fields the rules read; the rest
 * is ignored) → CalendarEntry. Used by the rules dry run, where an operator
 * pastes an event; untrusted input, so every field goes through zod.
 */
const dateTimeTimeZone = z.object({
  dateTime: z.string().min(1),
  timeZone: z.string().min(1),
});

export const graphEventSchema = z.object({
  id: z.string().min(1).default('dry-run'),
  type: z.enum(['singleInstance', 'occurrence', 'exception', 'seriesMaster']).default('singleInstance'),
  seriesMasterId: z.string().min(1).nullish(),
  subject: z.string().nullish(),
  showAs: z.enum(SHOW_AS_VALUES),
  sensitivity: z.enum(SENSITIVITY_VALUES).default('normal'),
  categories: z.array(z.string()).default([]),
  isCancelled: z.boolean().default(false),
  isAllDay: z.boolean().default(false),
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
  responseStatus: z.object({ response: z.enum(RESPONSE_VALUES), time: z.string().optional() }).nullish(),
});

export type GraphEventInput = z.input<typeof graphEventSchema>;

/** Graph's wall clock: "2026-11-25T12:00:00.0000000", no offset (a trailing Z is tolerated). */
const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?Z?$/;

/** Graph's own spellings of UTC, besides the IANA ones `Intl` knows. */
const UTC_ALIASES = new Set(['utc', 'tzone://microsoft/utc', 'etc/utc', 'z']);

function instantOf(value: z.infer<typeof dateTimeTimeZone>, field: string): number | string {
  const match = WALL_CLOCK.exec(value.dateTime.trim());
  const date = match ? parseCalendarDate(match[1] ?? '') : undefined;
  const [hour, minute, second] = [Number(match?.[2]), Number(match?.[3]), Number(match?.[4] ?? 0)];
  if (!match || !date || hour > 23 || minute > 59 || second > 59) {
    return `${field}.dateTime: "${value.dateTime}" is not a date and time like 2026-11-25T12:00:00.0000000`;
  }
  const millisecond = Number((match[5] ?? '').padEnd(3, '0').slice(0, 3));
  const wall = { ...date, hour, minute, second, millisecond };
  const zone = value.timeZone.trim();
  if (UTC_ALIASES.has(zone.toLowerCase())) return utcInstantOf(wall, 'UTC');
  if (!isKnownTimeZone(zone)) {
    return `${field}.timeZone: unknown time zone "${value.timeZone}" (use UTC or an IANA name such as Europe/Stockholm)`;
  }
  return utcInstantOf(wall, zone);
}

function datePart(value: z.infer<typeof dateTimeTimeZone>, field: string): string | { error: string } {
  const date = value.dateTime.trim().slice(0, 10);
  return parseCalendarDate(date)
    ? date
    : { error: `${field}.dateTime: "${value.dateTime}" does not start with a date like 2026-11-25` };
}

export function entryFromGraphEvent(json: unknown): { entry: CalendarEntry } | { error: string } {
  const parsed = graphEventSchema.safeParse(json);
  if (!parsed.success) {
    return {
      error: parsed.error.issues
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'event'}: ${issue.message}`)
        .join('; '),
    };
  }
  const event = parsed.data;
  let timing: CalendarEntry['timing'];
  if (event.isAllDay) {
    const startDate = datePart(event.start, 'start');
    const endDate = datePart(event.end, 'end');
    if (typeof startDate !== 'string') return startDate;
    if (typeof endDate !== 'string') return endDate;
    timing = { kind: 'allDay', startDate, endDate };
  } else {
    const start = instantOf(event.start, 'start');
    const end = instantOf(event.end, 'end');
    if (typeof start === 'string') return { error: start };
    if (typeof end === 'string') return { error: end };
    timing = { kind: 'timed', start: new Date(start).toISOString(), end: new Date(end).toISOString() };
  }
  return {
    entry: {
      id: event.id,
      kind: event.type,
      ...(event.seriesMasterId ? { seriesMasterId: event.seriesMasterId } : {}),
      subject: event.subject ?? '',
      showAs: event.showAs,
      sensitivity: event.sensitivity,
      categories: event.categories,
      isCancelled: event.isCancelled,
      responseStatus: event.responseStatus?.response ?? 'none',
      timing,
    },
  };
}
