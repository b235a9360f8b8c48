// When an event happens. Timed events are instants (remembering the zone
// they were written in); all-day events are floating dates, the way Outlook
// stores them, and only become instants in a mailbox's zone.

import {
  addDays,
  instantOfWallClock,
  parseWallClock,
  resolveZone,
  wallClockAt as wallClockOf,
} from './wallClock';

export type Timing =
  | { kind: 'timed'; startMs: number; endMs: number; startZone: string; endZone: string }
  | { kind: 'allDay'; startDate: string; endDate: string; zone: string };

export type TimingResult = { ok: true; timing: Timing } | { ok: false; code: string; message: string };

interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export function timingFrom(start: DateTimeTimeZone, end: DateTimeTimeZone, isAllDay: boolean): TimingResult {
  const startWall = parseWallClock(start.dateTime);
  const endWall = parseWallClock(end.dateTime);
  if (!startWall || !endWall) {
    return { ok: false, code: 'ErrorInvalidRequest', message: 'Cannot convert the literal to a DateTime.' };
  }
  const startZone = resolveZone(start.timeZone);
  const endZone = resolveZone(end.timeZone);
  if (!startZone || !endZone) {
    return {
      ok: false,
      code: 'TimeZoneNotSupportedException',
      message: `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${startZone ? end.timeZone : start.timeZone}'.`,
    };
  }
  if (isAllDay) {
    if (!startWall.endsWith('T00:00:00') || !endWall.endsWith('T00:00:00')) {
      return {
        ok: false,
        code: 'ErrorPropertyValidationFailure',
        message: 'Start and end times of an all-day event must be at midnight.',
      };
    }
    const startDate = startWall.slice(0, 10);
    const endDate = endWall.slice(0, 10);
    if (endDate <= startDate) {
      return {
        ok: false,
        code: 'ErrorInvalidRequest',
        message: 'An all-day event must last at least one day.',
      };
    }
    return { ok: true, timing: { kind: 'allDay', startDate, endDate, zone: start.timeZone } };
  }
  const startMs = instantOfWallClock(startWall, startZone);
  const endMs = instantOfWallClock(endWall, endZone);
  if (endMs < startMs) {
    return {
      ok: false,
      code: 'ErrorInvalidRequest',
      message: 'The end time must not be earlier than the start time.',
    };
  }
  return {
    ok: true,
    timing: { kind: 'timed', startMs, endMs, startZone: start.timeZone, endZone: end.timeZone },
  };
}

/** Instants of a timing as seen by a mailbox in `mailboxZone` (all-day entries start at its midnight). */
export function instantsOf(timing: Timing, mailboxZone: string): { startMs: number; endMs: number } {
  if (timing.kind === 'timed') return { startMs: timing.startMs, endMs: timing.endMs };
  const zone = resolveZone(mailboxZone) ?? 'UTC';
  return {
    startMs: instantOfWallClock(`${timing.startDate}T00:00:00`, zone),
    endMs: instantOfWallClock(`${timing.endDate}T00:00:00`, zone),
  };
}

export function overlapsWindow(
  span: { startMs: number; endMs: number },
  windowStartMs: number,
  windowEndMs: number,
) {
  if (span.startMs === span.endMs) return span.startMs >= windowStartMs && span.startMs < windowEndMs;
  return span.startMs < windowEndMs && span.endMs > windowStartMs;
}

/** The same timing moved to another date, for occurrences of a series. */
export function timingOnDate(master: Timing, date: string): Timing {
  if (master.kind === 'allDay') {
    const days = Math.round((Date.parse(master.endDate) - Date.parse(master.startDate)) / 86_400_000);
    return { ...master, startDate: date, endDate: addDays(date, days) };
  }
  const zone = resolveZone(master.startZone) ?? 'UTC';
  const timeOfDay = wallTimeOfDay(master.startMs, zone);
  const startMs = instantOfWallClock(`${date}T${timeOfDay}`, zone);
  return { ...master, startMs, endMs: startMs + (master.endMs - master.startMs) };
}

function wallTimeOfDay(instantMs: number, zone: string): string {
  return wallClockOf(instantMs, zone).slice(11);
}
