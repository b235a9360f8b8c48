import fc from 'fast-check';
import { type AbsenceDraft, CALL_HANDLING_VALUES } from '../../shared/domain/absence';
import {
  PRECEDENCE_CRITERIA,
  type StatusPrecedence,
  statusPrecedenceSchema,
} from '../../shared/domain/statusPrecedence';
import { type StatusSegment, statusTimeline } from '../../shared/domain/statusTimeline';

// The status timeline against a brute-force reference: at any instant, look
// at every absence that covers it and rank them by the configured criteria as
// a tuple of keys. Times sit on a coarse grid so that generated absences
// chain (one ends where the next starts), nest, repeat and collide with the
// start and the horizon often.

const BASE = Date.parse('2026-12-07T08:00:00.000Z');
const STEP = 15 * 60_000;
const GRID = 40;

const REASONS = [
  { code: 'lunch', name: 'Lunch' },
  { code: 'lunch', name: 'Lunch break' },
  { code: 'meeting', name: 'Meeting' },
  { code: 'vacation', name: 'Vacation' },
];

type State = 'available' | { code: string; name: string; callHandling: string };

const absenceArb: fc.Arbitrary<AbsenceDraft> = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 3 }),
    start: fc.integer({ min: -4, max: GRID }),
    // Zero-length and backwards absences now and then: they must cover nothing.
    length: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 16 }), weight: 8 },
      fc.integer({ min: -2, max: 0 }),
    ),
    reason: fc.constantFrom(...REASONS),
    callHandling: fc.constantFrom(...CALL_HANDLING_VALUES),
  })
  .map(({ id, start, length, reason, callHandling }) => ({
    id,
    eventId: `event-${id}`,
    start: new Date(BASE + start * STEP).toISOString(),
    end: new Date(BASE + (start + length) * STEP).toISOString(),
    reason,
    callHandling,
  }));

/** Identical intervals on purpose: some absences copy another one's times. */
const absencesArb = fc
  .uniqueArray(absenceArb, { selector: (absence) => absence.id, maxLength: 12 })
  .chain((absences) =>
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: absences.length > 1 ? 3 : 0 }).map((copies) => {
      const copy = absences.map((absence) => ({ ...absence }));
      for (const [from, to] of copies) {
        const source = copy[from % copy.length]!;
        const target = copy[to % copy.length]!;
        target.start = source.start;
        target.end = source.end;
      }
      return copy;
    }),
  );

const precedenceArb: fc.Arbitrary<StatusPrecedence> = fc
  .record({
    order: fc.shuffledSubarray([...PRECEDENCE_CRITERIA]),
    reasonPriority: fc.dictionary(
      fc.constantFrom(...REASONS.map((reason) => reason.code)),
      fc.integer({ min: -2, max: 2 }),
    ),
  })
  .map((input) => statusPrecedenceSchema.parse(input));

/** From on the grid or between two grid points; the horizon a few hours later. */
const windowArb = fc
  .record({
    from: fc.integer({ min: -2, max: GRID }),
    offset: fc.constantFrom(0, 0, 7 * 60_000),
    span: fc.integer({ min: 1, max: 30 }),
  })
  .map(({ from, offset, span }) => ({
    fromMs: BASE + from * STEP + offset,
    horizonMs: BASE + (from + span) * STEP + offset,
  }));

function referenceState(absences: readonly AbsenceDraft[], precedence: StatusPrecedence, atMs: number) {
  const covering = absences.filter(
    (absence) => Date.parse(absence.start) <= atMs && atMs < Date.parse(absence.end),
  );
  const keys = (absence: AbsenceDraft) =>
    precedence.order.map((criterion) => {
      if (criterion === 'callHandling') return absence.callHandling === 'diversion' ? 1 : 0;
      if (criterion === 'reasonPriority')
        return Object.hasOwn(precedence.reasonPriority, absence.reason.code)
          ? precedence.reasonPriority[absence.reason.code]!
          : 0;
      return Date.parse(absence.start);
    });
  const ranked = covering
    .map((absence) => ({ absence, keys: keys(absence) }))
    .sort((a, b) => {
      for (const [index, key] of a.keys.entries()) if (key !== b.keys[index]) return b.keys[index]! - key;
      return a.absence.id < b.absence.id ? -1 : a.absence.id > b.absence.id ? 1 : 0;
    });
  const winner = ranked[0]?.absence;
  return { winner, state: stateOf(winner) };
}

function stateOf(absence: AbsenceDraft | undefined): State {
  return absence === undefined
    ? 'available'
    : { code: absence.reason.code, name: absence.reason.name, callHandling: absence.callHandling };
}

function segmentState(segment: StatusSegment): State {
  return segment.status === 'available'
    ? 'available'
    : { code: segment.reason.code, name: segment.reason.name, callHandling: segment.callHandling };
}

/** Where a state can change: every absence start and end, plus the instants asked about. */
function candidateInstants(absences: readonly AbsenceDraft[], ...extra: number[]): number[] {
  const all = absences.flatMap((absence) => [Date.parse(absence.start), Date.parse(absence.end)]);
  return [...new Set([...all, ...extra])].sort((a, b) => a - b);
}

const ms = (iso: string) => Date.parse(iso);
const runs = { numRuns: 400 };

describe('the status timeline, for any set of absences', () => {
  it('covers [from, horizon) with contiguous, non-overlapping, merged segments', () => {
    fc.assert(
      fc.property(absencesArb, precedenceArb, windowArb, (absences, precedence, window) => {
        const timeline = statusTimeline(absences, { ...window, precedence });
        expect(ms(timeline[0].start)).toBe(window.fromMs);
        expect(ms(timeline.at(-1)!.end)).toBe(window.horizonMs);
        for (const [index, segment] of timeline.entries()) {
          expect(ms(segment.start)).toBeLessThan(ms(segment.end));
          const next = timeline[index + 1];
          if (next === undefined) continue;
          expect(next.start).toBe(segment.end);
          expect(segmentState(next)).not.toEqual(segmentState(segment));
          expect(segment.until).toBe(segment.end);
        }
      }),
      runs,
    );
  });

  it('has at every instant exactly the state the brute-force reference finds, from the winning absences', () => {
    fc.assert(
      fc.property(
        absencesArb,
        precedenceArb,
        windowArb,
        fc.array(fc.integer({ min: 0, max: 30 * STEP })),
        (absences, precedence, window, probes) => {
          const timeline = statusTimeline(absences, { ...window, precedence });
          const instants = candidateInstants(
            absences,
            window.fromMs,
            ...probes.map((probe) => window.fromMs + probe),
          )
            .flatMap((instant) => [instant, instant + 1, instant - 1])
            .filter((instant) => instant >= window.fromMs && instant < window.horizonMs);
          for (const instant of instants) {
            const holding = timeline.filter(
              (segment) => ms(segment.start) <= instant && instant < ms(segment.end),
            );
            expect(holding).toHaveLength(1);
            const segment = holding[0]!;
            const reference = referenceState(absences, precedence, instant);
            expect(segmentState(segment)).toEqual(reference.state);
            if (segment.status === 'away') expect(segment.absenceIds).toContain(reference.winner?.id);
          }
          // And no segment names an absence that wins nowhere in its state's stretch, which runs to until.
          for (const segment of timeline) {
            if (segment.status === 'available') continue;
            const inside = candidateInstants(absences, ms(segment.start)).filter(
              (instant) => instant >= ms(segment.start) && instant < ms(segment.until),
            );
            const winners = new Set(
              inside.map((instant) => referenceState(absences, precedence, instant).winner?.id),
            );
            expect(new Set(segment.absenceIds)).toEqual(winners);
          }
        },
      ),
      runs,
    );
  });

  it('gives as until the first instant the state changes, looking past the horizon', () => {
    fc.assert(
      fc.property(absencesArb, precedenceArb, windowArb, (absences, precedence, window) => {
        for (const segment of statusTimeline(absences, { ...window, precedence })) {
          const state = referenceState(absences, precedence, ms(segment.start)).state;
          const change = candidateInstants(absences)
            .filter((instant) => instant > ms(segment.start))
            .find(
              (instant) =>
                JSON.stringify(referenceState(absences, precedence, instant).state) !== JSON.stringify(state),
            );
          expect(segment.until === null ? undefined : ms(segment.until)).toBe(change);
          if (segment.until !== null) expect(ms(segment.until)).toBeGreaterThanOrEqual(ms(segment.end));
        }
      }),
      runs,
    );
  });

  it('gives as returnAt the first instant the user is available, the same for a whole away stretch', () => {
    fc.assert(
      fc.property(absencesArb, precedenceArb, windowArb, (absences, precedence, window) => {
        const timeline = statusTimeline(absences, { ...window, precedence });
        for (const [index, segment] of timeline.entries()) {
          if (segment.status === 'available') continue;
          const back = candidateInstants(absences)
            .filter((instant) => instant > ms(segment.start))
            .find((instant) => referenceState(absences, precedence, instant).state === 'available');
          expect(ms(segment.returnAt)).toBe(back);
          const next = timeline[index + 1];
          if (next?.status === 'away') expect(next.returnAt).toBe(segment.returnAt);
        }
      }),
      runs,
    );
  });

  it('gives a chain of absences, each starting where the last ended, one returnAt at the chain end', () => {
    const chain = fc.array(
      fc.record({
        length: fc.integer({ min: 1, max: 8 }),
        reason: fc.constantFrom(...REASONS),
        callHandling: fc.constantFrom(...CALL_HANDLING_VALUES),
      }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(chain, precedenceArb, fc.integer({ min: 0, max: 3 }), (links, precedence, before) => {
        let at = 0;
        const absences = links.map((link, index): AbsenceDraft => {
          const start = at;
          at += link.length;
          return {
            id: `link-${index}`,
            eventId: `event-${index}`,
            start: new Date(BASE + start * STEP).toISOString(),
            end: new Date(BASE + at * STEP).toISOString(),
            reason: link.reason,
            callHandling: link.callHandling,
          };
        });
        const timeline = statusTimeline(absences, {
          fromMs: BASE - before * STEP,
          horizonMs: BASE + 100 * STEP,
          precedence,
        });
        const returns = new Set(
          timeline.flatMap((segment) => (segment.status === 'away' ? [segment.returnAt] : [])),
        );
        expect([...returns]).toEqual([new Date(BASE + at * STEP).toISOString()]);
      }),
      runs,
    );
  });

  it('with a working-hours seam, returns at the first instant that is both free and reachable', () => {
    // Hours 08–17 UTC on weekdays; 2026-12-11 is a Friday, so weekends come into play.
    const HOUR = 3_600_000;
    const reachable = (at: number) => {
      const date = new Date(at);
      const hour = date.getUTCHours();
      const weekday = date.getUTCDay() >= 1 && date.getUTCDay() <= 5;
      return weekday && hour >= 8 && hour < 17;
    };
    const reachableFrom = (at: number) => {
      let candidate = at;
      while (!reachable(candidate)) candidate = Math.floor(candidate / HOUR) * HOUR + HOUR;
      return candidate;
    };
    const start = Date.parse('2026-12-10T00:00:00.000Z');
    const hourly = fc
      .record({
        id: fc.string({ minLength: 1, maxLength: 3 }),
        start: fc.integer({ min: 0, max: 120 }),
        length: fc.integer({ min: 1, max: 40 }),
        reason: fc.constantFrom(...REASONS),
        callHandling: fc.constantFrom(...CALL_HANDLING_VALUES),
      })
      .map(
        (a): AbsenceDraft => ({
          id: a.id,
          eventId: a.id,
          start: new Date(start + a.start * HOUR).toISOString(),
          end: new Date(start + (a.start + a.length) * HOUR).toISOString(),
          reason: a.reason,
          callHandling: a.callHandling,
        }),
      );
    fc.assert(
      fc.property(
        fc.uniqueArray(hourly, { selector: (a) => a.id, maxLength: 8 }),
        precedenceArb,
        (absences, precedence) => {
          const options = { fromMs: start, horizonMs: start + 7 * 24 * HOUR, precedence };
          const plain = statusTimeline(absences, options);
          const seamed = statusTimeline(absences, { ...options, reachableFrom });
          // States and until are the seam's business no more than they are the clock's.
          expect(seamed.map(({ status, start, end, until }) => ({ status, start, end, until }))).toEqual(
            plain.map(({ status, start, end, until }) => ({ status, start, end, until })),
          );
          for (const segment of seamed) {
            if (segment.status === 'available') continue;
            const hourStarts = Array.from({ length: 24 * 14 }, (_, index) => start + index * HOUR);
            const back = candidateInstants(absences, ...hourStarts)
              .filter((instant) => instant > ms(segment.start))
              .find(
                (instant) =>
                  reachable(instant) && referenceState(absences, precedence, instant).state === 'available',
              );
            expect(ms(segment.returnAt)).toBe(back);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('flips the winner when the configuration is flipped', () => {
    const pair = fc.record({
      first: fc.integer({ min: 0, max: 10 }),
      gap: fc.integer({ min: 1, max: 10 }),
      reasons: fc.shuffledSubarray(REASONS.slice(1), { minLength: 2, maxLength: 2 }),
    });
    fc.assert(
      fc.property(pair, ({ first, gap, reasons }) => {
        const [earlyReason, lateReason] = reasons as [(typeof REASONS)[number], (typeof REASONS)[number]];
        // The diversion starts first, the information later; both run to the same end.
        const early: AbsenceDraft = {
          id: 'z-early',
          eventId: 'e1',
          start: new Date(BASE + first * STEP).toISOString(),
          end: new Date(BASE + (first + gap + 8) * STEP).toISOString(),
          reason: earlyReason,
          callHandling: 'diversion',
        };
        const late: AbsenceDraft = {
          ...early,
          id: 'a-late',
          eventId: 'e2',
          start: new Date(BASE + (first + gap) * STEP).toISOString(),
          reason: lateReason,
          callHandling: 'information',
        };
        const winnerWith = (input: Parameters<typeof statusPrecedenceSchema.parse>[0]) => {
          const timeline = statusTimeline([early, late], {
            fromMs: ms(late.start),
            horizonMs: ms(late.start) + STEP,
            precedence: statusPrecedenceSchema.parse(input),
          });
          return timeline[0].status === 'away' ? timeline[0].absenceIds : [];
        };
        expect(winnerWith({ order: ['callHandling', 'laterStart'] })).toEqual(['z-early']);
        expect(winnerWith({ order: ['laterStart', 'callHandling'] })).toEqual(['a-late']);
        const priorities = { [earlyReason.code]: 1, [lateReason.code]: 2 };
        expect(winnerWith({ order: ['reasonPriority', 'callHandling'], reasonPriority: priorities })).toEqual(
          ['a-late'],
        );
        expect(
          winnerWith({
            order: ['reasonPriority', 'callHandling'],
            reasonPriority: { [earlyReason.code]: 2, [lateReason.code]: 1 },
          }),
        ).toEqual(['z-early']);
        // With nothing configured, the stable tie-breaker decides: the smaller id.
        expect(winnerWith({ order: [] })).toEqual(['a-late']);
      }),
      runs,
    );
  });
});
