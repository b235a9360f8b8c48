// Wall-clock ⇄ instant conversion for the time zones events are written in.
// Graph accepts Windows zone names as well as IANA ones; Windows names are
// mapped through windows-iana (CLDR's table, its territory-independent entry
// first), anything else is whatever Intl knows.

import { findIana } from 'windows-iana';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The IANA zone behind a Graph time zone label, or undefined when we do not know it. */
export function resolveZone(label: string): string | undefined {
  if (label === 'UTC' || label === 'Etc/UTC' || label === 'Coordinated Universal Time') return 'UTC';
  // Every event time passes through here; the CLDR lookup is a scan, so each label is resolved once.
  if (resolved.has(label)) return resolved.get(label);
  const mapped = findIana(label)[0] ?? label;
  let zone: string | undefined;
  try {
    formatterFor(mapped);
    zone = mapped;
  } catch {
    zone = undefined;
  }
  resolved.set(label, zone);
  return zone;
}

const resolved = new Map<string, string | undefined>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** `YYYY-MM-DDTHH:mm:ss` as a clock in `zone` shows the instant. */
export function wallClockAt(instantMs: number, zone: string): string {
  if (zone === 'UTC') return new Date(instantMs).toISOString().slice(0, 19);
  const parts = Object.fromEntries(
    formatterFor(zone)
      .formatToParts(new Date(instantMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

function wallAsUtcMs(wall: string): number {
  return Date.parse(`${wall}Z`);
}

/** The instant a clock in `zone` shows `wall`; in a DST gap it moves forward, as Outlook does. */
export function instantOfWallClock(wall: string, zone: string): number {
  const naive = wallAsUtcMs(wall);
  if (zone === 'UTC') return naive;
  const offsetAt = (ms: number) => wallAsUtcMs(wallClockAt(ms, zone)) - ms;
  let guess = naive - offsetAt(naive);
  guess = naive - offsetAt(guess);
  return guess;
}

/** Graph writes date-times with seven fractional digits and no offset. */
export function graphDateTime(wall: string): string {
  return `${wall.slice(0, 19)}.0000000`;
}

const WALL_PATTERN = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?Z?$/;

/** Normalises what clients send (`2024-01-01T08:00`, `…:00.0000000`) to `YYYY-MM-DDTHH:mm:ss`. */
export function parseWallClock(value: string): string | undefined {
  const match = WALL_PATTERN.exec(value);
  if (!match) return undefined;
  const wall = `${match[1]}T${match[2]}${match[3] ?? ':00'}`;
  return Number.isNaN(wallAsUtcMs(wall)) ? undefined : wall;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** 0 = Sunday, as JavaScript counts. */
export function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
