// The free slots a call centre may book in one person's calendar: the times
// of a given length inside their working hours that no blocking item of their
// calendar overlaps, within a period. Graph's getSchedule hands us the busy
// items (scheduleItem: start, end and a freeBusyStatus,
// https://learn.microsoft.com/graph/api/resources/scheduleitem) and the
// working hours (https://learn.microsoft.com/graph/api/calendar-getschedule);
// the adapter turns them into UTC instants and an IANA zone before they come
// here. Pure: instants are UTC milliseconds, intervals are half-open [start, end).

import type { ShowAs } from './calendarEntry';
import { utcInstantOf, wallClockAt } from './rules/zonedTime';
import { DAYS_OF_WEEK, type DayOfWeek, type WorkingHours } from './workingHours';

/** One item of a person's free/busy, as getSchedule reports it (its subject is never needed here). */
export interface BusyItem {
  start: number;
  end: number;
  status: ShowAs;
}

export interface FreeSlot {
  start: number;
  end: number;
}

/**
 * What keeps a slot from being offered. `free` never does. `busy` and `oof`
 * always do. `tentative` does: Exchange puts a meeting request the person has
 * not answered yet on their calendar as tentative, and a tentatively accepted
 * meeting is one they still mean to attend, so booking a customer visit over
 * it is a double booking waiting to happen; offering one slot fewer is the
 * cheaper mistake. `unknown` does: we cannot tell, and a call centre promises
 * the slot to a customer on the phone. `workingElsewhere` does not: the person
 * is working, only not at their usual place (Outlook's "Working elsewhere" is
 * mostly a whole-day marker such as "at the Malmö office" or "home office"),
 * and field staff are booked to be elsewhere anyway. A caller that sees it
 * otherwise passes its own set.
 */
export const BLOCKING_STATUSES: ReadonlySet<ShowAs> = new Set<ShowAs>([
  'busy',
  'oof',
  'tentative',
  'unknown',
]);

/** Slot starts fall on this grid (minutes of the local day) unless the caller asks for another. */
export const DEFAULT_STEP_MINUTES = 15;

export interface FreeSlotQuery {
  busy: readonly BusyItem[];
  /**
   * Absent (Graph reported none) or without working days: no slots at all.
   * Unlike the status timeline (workingHours.ts, `reachableFrom`), which
   * counts every instant as reachable then, a booking is a promise to a
   * customer: offering 03:00 to someone who never said when they work is worse
   * than offering nothing and letting the call centre see why.
   */
  workingHours: WorkingHours | undefined;
  /** The period, [from, to): a slot starts at or after `from` and ends at or before `to`. */
  from: number;
  to: number;
  /** The length of every slot, in real minutes (across a DST change too). */
  slotMinutes: number;
  /**
   * Slot starts lie on a grid of this many minutes counted from local
   * midnight in `alignZone`: every 15 minutes gives :00, :15, :30 and :45 on the
   * person's clock, also in zones half an hour off UTC. Slots may overlap
   * (09:00-10:00 and 09:15-10:15): each is a start time the call centre may
   * choose. Defaults to DEFAULT_STEP_MINUTES.
   */
  stepMinutes?: number;
  /** The zone whose clock the grid follows; defaults to the working hours' zone. */
  alignZone?: string;
  blocking?: ReadonlySet<ShowAs>;
  /** Stop after this many slots (the earliest ones). */
  maxSlots?: number;
}

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/** Whether the hours name at least one working day: without one nothing is bookable. */
export function hasWorkingDays(hours: WorkingHours | undefined): hours is WorkingHours {
  return hours !== undefined && hours.daysOfWeek.length > 0;
}

/**
 * The bookable slots, earliest first. Throws RangeError for a length or step
 * that is not a whole number of minutes up to a day, or a period without a
 * finite start and end.
 */
export function freeSlots(query: FreeSlotQuery): FreeSlot[] {
  const step = query.stepMinutes ?? DEFAULT_STEP_MINUTES;
  for (const [name, value] of [
    ['slotMinutes', query.slotMinutes],
    ['stepMinutes', step],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0 || value > DAY_MINUTES)
      throw new RangeError(`${name} must be a whole number of minutes from 1 to ${DAY_MINUTES}`);
  }
  if (!Number.isFinite(query.from) || !Number.isFinite(query.to))
    throw new RangeError('the period must have a finite start and end');
  const hours = query.workingHours;
  if (!hasWorkingDays(hours) || !(query.to > query.from)) return [];
  const zone = query.alignZone ?? hours.timeZone;
  const blocked = mergedBusy(query.busy, query.blocking ?? BLOCKING_STATUSES);
  const length = query.slotMinutes * MINUTE;
  const limit = query.maxSlots ?? Number.POSITIVE_INFINITY;
  const slots: FreeSlot[] = [];
  for (const free of subtract(workingIntervals(hours, query.from, query.to), blocked)) {
    for (let start = alignedAtOrAfter(free.start, step, zone); start + length <= free.end; ) {
      if (slots.length >= limit) return slots;
      slots.push({ start, end: start + length });
      start = alignedAtOrAfter(start + step * MINUTE, step, zone);
    }
  }
  return slots;
}

function minutesOf(time: string): number {
  const [hoursPart, minutesPart] = time.split(':').map(Number);
  return (hoursPart ?? 0) * 60 + (minutesPart ?? 0);
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

function shifted(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

function instantOn(date: LocalDate, minutes: number, timeZone: string): number {
  return utcInstantOf(
    { ...date, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 },
    timeZone,
  );
}

/**
 * The working time inside [from, to), merged where shifts meet (a 24-hour
 * shift, start equal to end, runs into the next day's). As in workingHours.ts,
 * a shift whose end is not after its start ends on the next day, so the day
 * before `from` is looked at too: its night shift may still run. Each day's
 * start and end are read on the zone's clock, so a day with a DST change is an
 * hour shorter or longer in real time, as the person lives it.
 */
function workingIntervals(hours: WorkingHours, from: number, to: number): FreeSlot[] {
  const days = new Set<DayOfWeek>(hours.daysOfWeek);
  const startMinutes = minutesOf(hours.start);
  const endMinutes = minutesOf(hours.end);
  const overnight = endMinutes <= startMinutes;
  const intervals: FreeSlot[] = [];
  const first = wallClockAt(from, hours.timeZone);
  for (let date = shifted(first, -1); ; date = shifted(date, 1)) {
    const start = instantOn(date, startMinutes, hours.timeZone);
    if (start >= to) break;
    const weekday = DAYS_OF_WEEK[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()];
    if (weekday === undefined || !days.has(weekday)) continue;
    const end = instantOn(overnight ? shifted(date, 1) : date, endMinutes, hours.timeZone);
    const clipped = { start: Math.max(start, from), end: Math.min(end, to) };
    if (clipped.end <= clipped.start) continue;
    const last = intervals[intervals.length - 1];
    if (last && clipped.start <= last.end) last.end = Math.max(last.end, clipped.end);
    else intervals.push(clipped);
  }
  return intervals;
}

/** The blocking items as disjoint intervals, earliest first (getSchedule may list overlapping ones). */
function mergedBusy(items: readonly BusyItem[], blocking: ReadonlySet<ShowAs>): FreeSlot[] {
  const sorted = items
    .filter((item) => blocking.has(item.status) && item.end > item.start)
    .map(({ start, end }) => ({ start, end }))
    .sort((a, b) => a.start - b.start);
  const merged: FreeSlot[] = [];
  for (const item of sorted) {
    const last = merged[merged.length - 1];
    if (last && item.start <= last.end) last.end = Math.max(last.end, item.end);
    else merged.push(item);
  }
  return merged;
}

/** `intervals` less `busy`; both disjoint and sorted. Touching is not overlapping: a meeting ending at 10:00 leaves 10:00 free. */
function subtract(intervals: readonly FreeSlot[], busy: readonly FreeSlot[]): FreeSlot[] {
  const free: FreeSlot[] = [];
  let next = 0;
  for (const interval of intervals) {
    let cursor = interval.start;
    while (next < busy.length && (busy[next] as FreeSlot).end <= cursor) next++;
    for (let index = next; index < busy.length; index++) {
      const item = busy[index] as FreeSlot;
      if (item.start >= interval.end) break;
      if (item.start > cursor) free.push({ start: cursor, end: item.start });
      cursor = Math.max(cursor, item.end);
    }
    if (cursor < interval.end) free.push({ start: cursor, end: interval.end });
  }
  return free;
}

/**
 * The first instant at or after `instant` whose wall clock in `timeZone` is
 * on the step grid. Moving by the missing minutes may cross a change of the
 * zone's offset (a DST change), after which the clock is off the grid again:
 * looking once more lands on it, as an offset changes at most once in a step
 * of up to a day.
 */
function alignedAtOrAfter(instant: number, stepMinutes: number, timeZone: string): number {
  const stepMs = stepMinutes * MINUTE;
  let candidate = instant;
  for (let round = 0; round < 3; round++) {
    const clock = wallClockAt(candidate, timeZone);
    const intoDay = ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1000 + clock.millisecond;
    const past = intoDay % stepMs;
    if (past === 0) return candidate;
    candidate += stepMs - past;
  }
  return candidate;
}
