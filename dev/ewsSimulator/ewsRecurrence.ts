// A recurring series' pattern as EWS describes it (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/recurrence-recurrencetype.md: one pattern such as
// DailyRecurrence or WeeklyRecurrence, and one range, NoEndRecurrence,
// EndDateRecurrence or NumberedRecurrence), and the occurrences it yields.
// Only daily and weekly patterns are simulated. The master's Start is the
// first occurrence; occurrences keep the master's wall-clock time in the
// series' zone, so a DST change moves their UTC instant as Exchange's do.
// Occurrences are numbered from 1 in pattern order, as InstanceIndex counts
// them (docs/exchange-web-services/how-to-access-a-recurring-series-by-using-ews-in-exchange.md),
// and a deleted or moved occurrence keeps its number.
import { utcInstantOf, wallClockAt } from '../../shared/domain/rules/zonedTime';

export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type RecurrencePattern =
  | { kind: 'daily'; interval: number }
  /** WeeklyRecurrence's FirstDayOfWeek is Sunday unless told (docs/web-service-reference/weeklyrecurrence.md). */
  | { kind: 'weekly'; interval: number; daysOfWeek: Weekday[]; firstDayOfWeek?: Weekday };

export type RecurrenceRange =
  | { kind: 'noEnd' }
  /** The last day an occurrence may start on, YYYY-MM-DD in the series' zone. */
  | { kind: 'endDate'; endDate: string }
  | { kind: 'numbered'; numberOfOccurrences: number };

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
  /** IANA zone the series keeps its wall-clock time in; UTC unless told. */
  timeZone?: string;
}

export interface PatternOccurrence {
  /** 1-based InstanceIndex */
  index: number;
  start: number;
  end: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A guard against a pattern that never reaches the view's end. */
const MOST_OCCURRENCES = 50_000;

function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

function dateOf(dayNo: number): { year: number; month: number; day: number } {
  const date = new Date(dayNo * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function lastDayNumber(range: RecurrenceRange): number {
  if (range.kind !== 'endDate') return Number.POSITIVE_INFINITY;
  const [year, month, day] = range.endDate.split('-').map(Number);
  return dayNumber(year ?? 0, month ?? 0, day ?? 0);
}

/** Day numbers the pattern falls on, from the master's first day on, unbounded. */
function* patternDays(pattern: RecurrencePattern, firstDay: number): Generator<number> {
  const interval = Math.max(1, Math.floor(pattern.interval));
  if (pattern.kind === 'daily') {
    for (let day = firstDay; ; day += interval) yield day;
  } else {
    yield* weeklyDays(pattern, interval, firstDay);
  }
}

function* weeklyDays(
  pattern: Extract<RecurrencePattern, { kind: 'weekly' }>,
  interval: number,
  firstDay: number,
): Generator<number> {
  const weekStartsOn = WEEKDAYS.indexOf(pattern.firstDayOfWeek ?? 'Sunday');
  const wanted = new Set(pattern.daysOfWeek.map((name) => WEEKDAYS.indexOf(name)));
  // 1970-01-01 (day 0) was a Thursday.
  const weekdayOf = (day: number) => (((day + 4) % 7) + 7) % 7;
  const firstWeek = firstDay - ((weekdayOf(firstDay) - weekStartsOn + 7) % 7);
  for (let week = firstWeek; ; week += 7 * interval) {
    for (let offset = 0; offset < 7; offset++) {
      const day = week + offset;
      if (day >= firstDay && wanted.has(weekdayOf(day))) yield day;
    }
  }
}

/** The pattern's occurrences in order, stopping at the range's end or before the first that starts at or after `until`. */
export function* occurrencesOf(
  master: { start: string; end: string },
  recurrence: Recurrence,
  until: number,
): Generator<PatternOccurrence> {
  const zone = recurrence.timeZone ?? 'UTC';
  const first = Date.parse(master.start);
  const duration = Date.parse(master.end) - first;
  const wall = wallClockAt(first, zone);
  const lastDay = lastDayNumber(recurrence.range);
  const count =
    recurrence.range.kind === 'numbered' ? recurrence.range.numberOfOccurrences : Number.POSITIVE_INFINITY;
  let index = 0;
  for (const day of patternDays(recurrence.pattern, dayNumber(wall.year, wall.month, wall.day))) {
    if (index >= count || index >= MOST_OCCURRENCES || day > lastDay) return;
    const start = utcInstantOf({ ...wall, ...dateOf(day) }, zone);
    if (start >= until) return;
    index++;
    yield { index, start, end: start + duration };
  }
}

/** Whether the series has an occurrence numbered `index` at all (deleted or not). */
export function hasOccurrence(
  master: { start: string; end: string },
  recurrence: Recurrence,
  index: number,
): boolean {
  if (!Number.isInteger(index) || index < 1) return false;
  for (const occurrence of occurrencesOf(master, recurrence, Number.POSITIVE_INFINITY)) {
    if (occurrence.index === index) return true;
  }
  return false;
}
