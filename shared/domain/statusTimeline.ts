// A user's status over time, worked out from their live absences: what the PBX
// needs to announce "reason and return time" without deciding overlaps and
// chains itself (issue 17). Pure: no clock, no I/O.
//
// Definitions:
// - An absence covers the half-open span [start, end). One whose end is not
//   after its start covers nothing, and one whose times do not parse is left
//   out (the domain never produces either; both are ignored rather than
//   trusted).
// - At every instant the state is `available` when no absence covers it, and
//   otherwise the reason and call handling of the absence that wins under the
//   precedence (shared/domain/statusPrecedence.ts). Two states are the same
//   when reason code, reason name and call handling are; the subject is not
//   part of the state (the segment names its absences for that).
// - The timeline is the list of segments covering [from, horizon) without gap
//   or overlap, adjacent segments always in different states (same-state
//   stretches are merged, whichever absences produced them). The first
//   segment starts at `from`, however long its state has held.
// - `until`: the first instant after the segment's start at which the state
//   changes. It is the segment's `end`, unless the horizon cut the last
//   segment short: `until` is then the real change, beyond the horizon, as
//   every absence given is known to its end (as true as the ends the sync
//   keeps: issue 17 has them stop being cut at the sync window's edge). It is
//   null only for an available stretch with no absence after it.
// - `returnAt` (away segments only): the first instant at or after the
//   segment's start at which the user is available, following chained and
//   overlapping absences, so every away segment of one unbroken stretch has
//   the same `returnAt`. Never null: every absence ends. It too may lie beyond
//   the horizon; the horizon only bounds how many segments are listed.
// - Working hours seam: `reachableFrom(t)` in the options answers the first
//   instant at or after t at which the user could take calls were they not
//   absent (for example the next start of their working hours). `returnAt` is
//   then the first instant that is both free of absences and reachable, so an
//   absence that starts when working hours do moves it further. Without the
//   function every instant is reachable. It never changes states or `until`.

import type { AbsenceDraft, CallHandling, Reason } from './absence';
import {
  type Contender,
  DEFAULT_STATUS_PRECEDENCE,
  type StatusPrecedence,
  strongerFirst,
} from './statusPrecedence';

export interface AvailableSegment {
  status: 'available';
  /** UTC ISO 8601, like an absence's times. */
  start: string;
  end: string;
  until: string | null;
}

export interface AwaySegment {
  status: 'away';
  start: string;
  end: string;
  until: string;
  returnAt: string;
  reason: Reason;
  callHandling: CallHandling;
  /** The absences that win somewhere in [start, until), in the order they first do; until may lie past `end`. */
  absenceIds: string[];
}

export type StatusSegment = AvailableSegment | AwaySegment;
export type StatusTimeline = [StatusSegment, ...StatusSegment[]];

export interface StatusTimelineOptions {
  /** Epoch milliseconds; the timeline starts here. */
  fromMs: number;
  /** Epoch milliseconds, after `fromMs`; the timeline stops here. */
  horizonMs: number;
  precedence?: StatusPrecedence;
  /** The working-hours seam described above; must answer an instant at or after its argument. */
  reachableFrom?: (ms: number) => number;
}

/** The last instant a Date can hold (ECMA-262, time values). */
const LAST_INSTANT_MS = 8.64e15;

interface Span extends Contender {
  endMs: number;
}

interface Stretch {
  startMs: number;
  /** Infinity for the available stretch after the last absence. */
  endMs: number;
  winners: Span[];
}

function spansOf(absences: readonly AbsenceDraft[], fromMs: number): Span[] {
  return absences.flatMap((absence) => {
    const startMs = Date.parse(absence.start);
    const endMs = Date.parse(absence.end);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs || endMs <= fromMs)
      return [];
    return [{ id: absence.id, startMs, endMs, reason: absence.reason, callHandling: absence.callHandling }];
  });
}

function sameState(a: Span | undefined, b: Span | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.reason.code === b.reason.code && a.reason.name === b.reason.name && a.callHandling === b.callHandling
  );
}

/**
 * The states from `fromMs` on, merged, to the end of the last absence and an
 * available stretch after it. States change only where an absence starts or
 * ends, so one sweep over those instants finds them all.
 */
function stretchesFrom(spans: readonly Span[], fromMs: number, precedence: StatusPrecedence): Stretch[] {
  const stronger = strongerFirst(precedence);
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const instants = [
    ...new Set([fromMs, ...spans.flatMap((span) => [span.startMs, span.endMs]).filter((ms) => ms > fromMs)]),
  ].sort((a, b) => a - b);

  const stretches: Stretch[] = [];
  let active: Span[] = [];
  let next = 0;
  for (const [index, at] of instants.entries()) {
    active = active.filter((span) => span.endMs > at);
    while (next < byStart.length && byStart[next]!.startMs <= at) {
      const span = byStart[next++]!;
      if (span.endMs > at) active.push(span);
    }
    const winner = active.reduce<Span | undefined>(
      (best, span) => (best === undefined || stronger(span, best) < 0 ? span : best),
      undefined,
    );
    const endMs = instants[index + 1] ?? Infinity;
    const last = stretches.at(-1);
    if (last && sameState(last.winners[0], winner)) {
      last.endMs = endMs;
      if (winner && !last.winners.includes(winner)) last.winners.push(winner);
    } else {
      stretches.push({ startMs: at, endMs, winners: winner ? [winner] : [] });
    }
  }
  return stretches;
}

/** The first instant at or after `ms` that no absence covers. */
function firstFreeAt(stretches: readonly Stretch[], ms: number): number {
  let low = 0;
  let high = stretches.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (stretches[middle]!.endMs <= ms) low = middle + 1;
    else high = middle;
  }
  for (let index = low; index < stretches.length; index++) {
    const stretch = stretches[index]!;
    if (stretch.winners.length === 0) return Math.max(ms, stretch.startMs);
  }
  return ms;
}

/**
 * Each round that does not end the loop steps past at least one away
 * stretch, so the away stretches bound the rounds even for a function that
 * breaks its contract; an answer before its argument is taken as "now".
 */
function returnAtFor(stretches: readonly Stretch[], fromMs: number, reachableFrom: (ms: number) => number) {
  let free = firstFreeAt(stretches, fromMs);
  for (let round = 0; round <= stretches.length; round++) {
    const reachable = reachableFrom(free);
    if (!(reachable > free && reachable <= LAST_INSTANT_MS)) return free;
    const freeAgain = firstFreeAt(stretches, reachable);
    if (freeAgain === reachable) return reachable;
    free = freeAgain;
  }
  return free;
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/** The user's status from `fromMs` to `horizonMs` (see the definitions at the top of this file). */
export function statusTimeline(
  absences: readonly AbsenceDraft[],
  options: StatusTimelineOptions,
): StatusTimeline {
  const { fromMs, horizonMs } = options;
  const inRange = (ms: number) => Number.isFinite(ms) && Math.abs(ms) <= LAST_INSTANT_MS;
  if (!inRange(fromMs) || !inRange(horizonMs) || horizonMs <= fromMs) {
    throw new RangeError('a status timeline needs finite instants with the horizon after the start');
  }
  const stretches = stretchesFrom(
    spansOf(absences, fromMs),
    fromMs,
    options.precedence ?? DEFAULT_STATUS_PRECEDENCE,
  );
  const reachableFrom = options.reachableFrom ?? ((ms: number) => ms);
  const returns = new Map<number, string>();

  const segments = stretches
    .filter((stretch) => stretch.startMs < horizonMs)
    .map((stretch): StatusSegment => {
      const start = isoOf(stretch.startMs);
      const end = isoOf(Math.min(stretch.endMs, horizonMs));
      const [first] = stretch.winners;
      if (first === undefined) {
        return {
          status: 'available',
          start,
          end,
          until: Number.isFinite(stretch.endMs) ? isoOf(stretch.endMs) : null,
        };
      }
      const rawReturn = firstFreeAt(stretches, stretch.startMs);
      let returnAt = returns.get(rawReturn);
      if (returnAt === undefined) {
        returnAt = isoOf(returnAtFor(stretches, rawReturn, reachableFrom));
        returns.set(rawReturn, returnAt);
      }
      return {
        status: 'away',
        start,
        end,
        until: isoOf(stretch.endMs),
        returnAt,
        reason: { code: first.reason.code, name: first.reason.name },
        callHandling: first.callHandling,
        absenceIds: stretch.winners.map((winner) => winner.id),
      };
    });
  // The first stretch starts at fromMs, which is before the horizon.
  return segments as StatusTimeline;
}
