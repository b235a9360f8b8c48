// Wall-clock time in an IANA zone → UTC instant, with nothing but `Intl`.
// All-day entries are floating dates and Graph may report timed entries as
// a zone-less wall clock plus a zone name, so both need this conversion.

/** A wall-clock reading: calendar date and time of day, no zone attached. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const HOUR_MS = 60 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** What the zone's clock shows at `instant` (milliseconds kept from the instant). */
export function wallClockAt(instant: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? Number.NaN);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
    millisecond: ((instant % 1000) + 1000) % 1000,
  };
}

/** How far the zone's wall clock is ahead of UTC at `instant` (ms). */
function offsetAt(instant: number, timeZone: string): number {
  const clock = wallClockAt(instant, timeZone);
  const wall = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  // formatToParts drops milliseconds; compare whole seconds on both sides.
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The first UTC instant at which the zone's clock shows `wall`. Around a DST
 * change at most one transition lies within ±14 h, so the offsets just before
 * and just after are the only candidates. When the wall time repeats (clocks
 * go back) the earlier instant wins; when it never happens (clocks jump
 * forward) it is pushed forward by the jump, as Temporal's `compatible` does,
 * so a day whose midnight is skipped begins at the jump. Throws RangeError
 * for a zone the runtime does not know.
 */
export function utcInstantOf(wall: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  const before = offsetAt(asUtc - 14 * HOUR_MS, timeZone);
  const after = offsetAt(asUtc + 14 * HOUR_MS, timeZone);
  const valid = [before, after]
    .map((offset) => asUtc - offset)
    .filter((instant) => offsetAt(instant, timeZone) === asUtc - instant)
    .sort((a, b) => a - b);
  return valid[0] ?? asUtc - before;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD`, refusing dates that do not exist (2026-02-30). */
export function parseCalendarDate(text: string): { year: number; month: number; day: number } | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day };
}

/** The UTC instant at which `date` (YYYY-MM-DD) begins in the zone. */
export function startOfLocalDay(
  date: { year: number; month: number; day: number },
  timeZone: string,
): number {
  return utcInstantOf({ ...date, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
}
