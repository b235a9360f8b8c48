// A mailbox's working hours (Outlook's "work week"), as Graph reports them in
// mailboxSettings.workingHours: the days worked, the time of day work starts
// and stops, and the zone those times are in, which may differ from the
// mailbox's own zone (https://learn.microsoft.com/graph/api/resources/workinghours).
// The status timeline (statusTimeline.ts) asks `reachableFrom` when a user
// who is free again can next take calls: someone whose vacation ends on
// Friday at 17:00 is back on Monday at 08:00.

import { z } from 'zod';
import { utcInstantOf, wallClockAt } from './rules/zonedTime';

export const DAYS_OF_WEEK = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** As stored on the user row: times as HH:MM in `timeZone` (an IANA name). */
export const workingHoursSchema = z.object({
  daysOfWeek: z.array(z.enum(DAYS_OF_WEEK)).max(7),
  start: z.string().regex(TIME_OF_DAY),
  end: z.string().regex(TIME_OF_DAY),
  timeZone: z.string().min(1),
});
export type WorkingHours = z.infer<typeof workingHoursSchema>;

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * The first instant at or after `instant` inside the working hours: the
 * instant itself during them, else the next start of a working day. A shift
 * whose end is not after its start runs past midnight into the next day.
 * Without working days every instant counts as reachable (Outlook lets a
 * user clear them all; guessing hours for them would be worse).
 */
export function reachableFrom(hours: WorkingHours): (instant: number) => number {
  const days = new Set(hours.daysOfWeek);
  const startMinutes = minutesOf(hours.start);
  const endMinutes = minutesOf(hours.end);
  const overnight = endMinutes <= startMinutes;
  const at = (date: { year: number; month: number; day: number }, minutes: number, dayOffset = 0) => {
    const base = new Date(Date.UTC(date.year, date.month - 1, date.day + dayOffset));
    return utcInstantOf(
      {
        year: base.getUTCFullYear(),
        month: base.getUTCMonth() + 1,
        day: base.getUTCDate(),
        hour: Math.floor(minutes / 60),
        minute: minutes % 60,
        second: 0,
        millisecond: 0,
      },
      hours.timeZone,
    );
  };
  return (instant) => {
    if (days.size === 0) return instant;
    const today = wallClockAt(instant, hours.timeZone);
    // Yesterday's overnight shift may still run; a week and a day covers every weekday after.
    for (let offset = -1; offset <= 8; offset++) {
      const day = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
      if (!days.has(DAYS_OF_WEEK[day.getUTCDay()] as DayOfWeek)) continue;
      const date = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
      const start = at(date, startMinutes);
      const end = at(date, endMinutes, overnight ? 1 : 0);
      if (instant < start) return start;
      if (instant < end) return instant;
    }
    // Not reached with at least one working day; the instant itself is the safe answer.
    return instant;
  };
}
