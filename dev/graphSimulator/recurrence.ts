import { DAYS_OF_WEEK, type Recurrence } from './eventWrites';
import { addDays, dayOfWeek, daysBetween } from './wallClock';

/** Guards against a `noEnd` series walked without a bound. */
const MAX_DAYS_WALKED = 20_000;

/**
 * The original dates of a series' occurrences, in order, up to and including
 * `untilDate` (or the range's own end). Dates are in the series' zone.
 */
export function occurrenceDates(recurrence: Recurrence, untilDate: string): string[] {
  const { pattern, range } = recurrence;
  const last = range.type === 'endDate' && range.endDate < untilDate ? range.endDate : untilDate;
  const limit = range.type === 'numbered' ? range.numberOfOccurrences : Number.POSITIVE_INFINITY;
  const dates: string[] = [];
  const wantedDays = new Set(
    (pattern.daysOfWeek?.length ? pattern.daysOfWeek : [DAYS_OF_WEEK[dayOfWeek(range.startDate)]]).map((d) =>
      DAYS_OF_WEEK.indexOf(d as (typeof DAYS_OF_WEEK)[number]),
    ),
  );
  const firstDay = DAYS_OF_WEEK.indexOf(pattern.firstDayOfWeek);
  const weekStart = addDays(range.startDate, -((dayOfWeek(range.startDate) - firstDay + 7) % 7));

  for (let offset = 0; offset < MAX_DAYS_WALKED && dates.length < limit; offset++) {
    const date = addDays(range.startDate, offset);
    if (date > last) break;
    if (pattern.type === 'daily') {
      if (offset % pattern.interval === 0) dates.push(date);
      continue;
    }
    const week = Math.floor(daysBetween(weekStart, date) / 7);
    if (week % pattern.interval === 0 && wantedDays.has(dayOfWeek(date))) dates.push(date);
  }
  return dates;
}
