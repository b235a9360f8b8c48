import { z } from 'zod';
import {
  type CalendarEntry,
  type EntryKind,
  RESPONSE_VALUES,
  SENSITIVITY_VALUES,
  type Sensitivity,
  SHOW_AS_VALUES,
} from '../domain/calendarEntry';

/**
 * Graph's event resource as calendarView/delta and GET events return it.
 * Everything but `id` is optional: occurrences arrive with only id, type,
 * seriesMasterId, start and end, and unknown enum values (Graph adds some
 * over time) must not break a sync, so they fall back to safe defaults.
 */
const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string() });

const lenientEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => ((values as readonly string[]).includes(value) ? (value as T[number]) : undefined))
    .optional();

export const graphEventSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['singleInstance', 'occurrence', 'exception', 'seriesMaster']).optional(),
  seriesMasterId: z.string().nullish(),
  subject: z.string().nullish(),
  showAs: lenientEnum(SHOW_AS_VALUES),
  // An unrecognised sensitivity is treated as private: privacy must fail closed.
  sensitivity: z
    .string()
    .transform((value) =>
      (SENSITIVITY_VALUES as readonly string[]).includes(value) ? (value as Sensitivity) : 'private',
    )
    .optional(),
  categories: z.array(z.string()).nullish(),
  isCancelled: z.boolean().nullish(),
  isAllDay: z.boolean().nullish(),
  responseStatus: z.object({ response: lenientEnum(RESPONSE_VALUES) }).nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
});
export type GraphEvent = z.infer<typeof graphEventSchema>;

export const removedItemSchema = z.object({
  id: z.string().min(1),
  '@removed': z.object({ reason: z.string().optional() }).passthrough(),
});

/** One item of a delta page: a removal notice or an event (possibly partial). */
export type DeltaItem = { kind: 'removed'; id: string } | { kind: 'event'; event: GraphEvent };

export function parseDeltaItem(raw: unknown): DeltaItem | undefined {
  const removed = removedItemSchema.safeParse(raw);
  if (removed.success) return { kind: 'removed', id: removed.data.id };
  const event = graphEventSchema.safeParse(raw);
  return event.success ? { kind: 'event', event: event.data } : undefined;
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

/**
 * Graph's `dateTime` has no offset; with `Prefer: outlook.timezone="UTC"` the
 * zone is UTC. Any other zone is refused rather than guessed.
 */
function utcInstant(value: z.infer<typeof dateTimeTimeZone>): string | undefined {
  if (value.timeZone.toUpperCase() !== 'UTC') return undefined;
  const millis = Date.parse(`${value.dateTime.replace(/(\.\d{3})\d*$/, '$1')}Z`);
  return Number.isFinite(millis) ? new Date(millis).toISOString() : undefined;
}

export function toCalendarEntry(event: GraphEvent): CalendarEntry | undefined {
  if (!event.start || !event.end) return undefined;
  const kind: EntryKind = event.type ?? 'singleInstance';
  const timing = event.isAllDay
    ? {
        kind: 'allDay' as const,
        startDate: event.start.dateTime.slice(0, 10),
        endDate: event.end.dateTime.slice(0, 10),
      }
    : (() => {
        const start = utcInstant(event.start);
        const end = event.end ? utcInstant(event.end) : undefined;
        return start && end ? { kind: 'timed' as const, start, end } : undefined;
      })();
  if (!timing) return undefined;
  return {
    id: event.id,
    kind,
    ...(event.seriesMasterId ? { seriesMasterId: event.seriesMasterId } : {}),
    subject: event.subject ?? '',
    showAs: event.showAs ?? 'busy',
    sensitivity: event.sensitivity ?? 'normal',
    categories: event.categories ?? [],
    isCancelled: event.isCancelled ?? false,
    responseStatus: event.responseStatus?.response ?? 'none',
    timing,
  };
}
