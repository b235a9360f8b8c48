// Graph's dateTimeTimeZone (https://learn.microsoft.com/graph/api/resources/datetimetimezone)
// to and from UTC instants, for the booking calls: getSchedule items and
// appointment times. We ask for UTC (`Prefer: outlook.timezone="UTC"`), but a
// zone Graph names anyway, Windows id or IANA name, is converted rather than
// trusted to be UTC.

import { parseCalendarDate, utcInstantOf, wallClockAt } from '../domain/rules/zonedTime';
import { ianaTimeZone } from './windowsTimeZones';

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

/** The instant a Graph date-time names, or undefined when its text or zone cannot be read. */
export function instantOfGraphDateTime(value: DateTimeTimeZone): number | undefined {
  const match = WALL_CLOCK.exec(value.dateTime.trim());
  const date = match ? parseCalendarDate(match[1] ?? '') : undefined;
  if (!match || !date) return undefined;
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millisecond = Number((match[5] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = ianaTimeZone(value.timeZone);
  if (!zone) return undefined;
  return utcInstantOf({ ...date, hour, minute, second, millisecond }, zone);
}

const two = (n: number) => String(n).padStart(2, '0');

/** An instant as Graph takes it: the wall clock in `timeZone` (an IANA name) with that zone named. */
export function graphDateTimeAt(instant: number, timeZone: string): DateTimeTimeZone {
  const wall = wallClockAt(instant, timeZone);
  return {
    dateTime: `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}`,
    timeZone,
  };
}
