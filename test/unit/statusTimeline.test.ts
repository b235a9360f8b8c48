import type { AbsenceDraft, CallHandling } from '../../shared/domain/absence';
import {
  DEFAULT_STATUS_PRECEDENCE,
  type StatusPrecedenceInput,
  statusPrecedenceSchema,
} from '../../shared/domain/statusPrecedence';
import { type StatusTimelineOptions, statusTimeline } from '../../shared/domain/statusTimeline';

// Readable examples of the status timeline; the property tests beside this
// file check the same definitions over generated absence sets.

const DAY = '2026-12-07'; // a Monday
const at = (time: string, day = DAY) => `${day}T${time}:00.000Z`;
const ms = (time: string, day = DAY) => Date.parse(at(time, day));

function absence(
  id: string,
  reason: string,
  start: string,
  end: string,
  callHandling: CallHandling = 'diversion',
): AbsenceDraft {
  return {
    id,
    eventId: `event-${id}`,
    start,
    end,
    reason: { code: reason, name: reason[0]!.toUpperCase() + reason.slice(1) },
    callHandling,
  };
}

const day = (overrides: Partial<StatusTimelineOptions> = {}): StatusTimelineOptions => ({
  fromMs: ms('08:00'),
  horizonMs: ms('18:00'),
  ...overrides,
});

const precedence = (input: StatusPrecedenceInput) => statusPrecedenceSchema.parse(input);

describe('the status timeline, by example', () => {
  it('gives lunch 11:30–12:30 followed by a meeting 12:30–14:00 one return at 14:00', () => {
    const timeline = statusTimeline(
      [
        absence('meeting', 'meeting', at('12:30'), at('14:00')),
        absence('lunch', 'lunch', at('11:30'), at('12:30')),
      ],
      day(),
    );
    expect(timeline).toEqual([
      { status: 'available', start: at('08:00'), end: at('11:30'), until: at('11:30') },
      expect.objectContaining({ start: at('11:30'), until: at('12:30'), returnAt: at('14:00') }),
      expect.objectContaining({ start: at('12:30'), until: at('14:00'), returnAt: at('14:00') }),
      { status: 'available', start: at('14:00'), end: at('18:00'), until: null },
    ]);
    expect(timeline.map((segment) => segment.status === 'away' && segment.reason.code)).toEqual([
      false,
      'lunch',
      'meeting',
      false,
    ]);
  });

  it('merges chained absences of one reason into one segment that names both', () => {
    const timeline = statusTimeline(
      [absence('a', 'meeting', at('09:00'), at('10:00')), absence('b', 'meeting', at('10:00'), at('11:00'))],
      day(),
    );
    expect(timeline[1]).toEqual({
      status: 'away',
      start: at('09:00'),
      end: at('11:00'),
      until: at('11:00'),
      returnAt: at('11:00'),
      reason: { code: 'meeting', name: 'Meeting' },
      callHandling: 'diversion',
      absenceIds: ['a', 'b'],
    });
    expect(timeline).toHaveLength(3);
  });

  it('lets an all-day out-of-office that diverts win over a meeting that only informs', () => {
    const absences = [
      absence('oof', 'out-of-office', at('00:00'), at('00:00', '2026-12-08'), 'diversion'),
      absence('meeting', 'meeting', at('10:00'), at('11:00'), 'information'),
    ];
    const timeline = statusTimeline(absences, day());
    expect(timeline).toEqual([
      {
        status: 'away',
        start: at('08:00'),
        end: at('18:00'),
        until: at('00:00', '2026-12-08'),
        returnAt: at('00:00', '2026-12-08'),
        reason: { code: 'out-of-office', name: 'Out-of-office' },
        callHandling: 'diversion',
        absenceIds: ['oof'],
      },
    ]);

    // Put the later start first and the meeting shows through for its hour.
    const meetingFirst = statusTimeline(absences, day({ precedence: precedence({ order: ['laterStart'] }) }));
    expect(meetingFirst.map((segment) => segment.status === 'away' && segment.absenceIds)).toEqual([
      ['oof'],
      ['meeting'],
      ['oof'],
    ]);
    expect(meetingFirst[1]).toMatchObject({ until: at('11:00'), returnAt: at('00:00', '2026-12-08') });
  });

  it('ranks reasons by their configured priority before the later start', () => {
    const absences = [
      absence('trip', 'business-trip', at('00:00'), at('00:00', '2026-12-09')),
      absence('sick', 'sick', at('00:00'), at('00:00', '2026-12-08')),
      absence('lunch', 'lunch', at('12:00'), at('13:00')),
    ];
    const ranked = statusTimeline(
      absences,
      day({ precedence: precedence({ reasonPriority: { sick: 10 } }) }),
    );
    expect(ranked).toHaveLength(1);
    expect(ranked[0]).toMatchObject({ absenceIds: ['sick'], returnAt: at('00:00', '2026-12-09') });

    const byStart = statusTimeline(absences, day());
    expect(byStart.map((segment) => segment.status === 'away' && segment.absenceIds)).toEqual([
      ['sick'],
      ['lunch'],
      ['sick'],
    ]);
  });

  it('keeps until and returnAt true when the horizon cuts a long absence short', () => {
    const [only, ...rest] = statusTimeline(
      [absence('vacation', 'vacation', at('00:00'), at('00:00', '2026-12-28'))],
      day(),
    );
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      end: at('18:00'),
      until: at('00:00', '2026-12-28'),
      returnAt: at('00:00', '2026-12-28'),
    });
  });

  it('ends an available stretch at the next absence even beyond the horizon', () => {
    const timeline = statusTimeline(
      [absence('later', 'meeting', at('09:00', '2026-12-09'), at('10:00', '2026-12-09'))],
      day(),
    );
    expect(timeline).toEqual([
      { status: 'available', start: at('08:00'), end: at('18:00'), until: at('09:00', '2026-12-09') },
    ]);
  });

  it('ignores absences that cover nothing or whose times do not parse', () => {
    const timeline = statusTimeline(
      [
        absence('zero', 'meeting', at('09:00'), at('09:00')),
        absence('backwards', 'meeting', at('10:00'), at('09:30')),
        absence('garbled', 'meeting', 'soon', at('11:00')),
        absence('past', 'meeting', at('06:00'), at('08:00')),
      ],
      day(),
    );
    expect(timeline).toEqual([{ status: 'available', start: at('08:00'), end: at('18:00'), until: null }]);
  });

  it('follows a working-hours seam to the first reachable instant that is free', () => {
    const workStart = (ms: number) => {
      const date = new Date(ms);
      const eight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 8);
      return ms < eight ? eight : ms >= eight + 9 * 3_600_000 ? eight + 86_400_000 : ms;
    };
    const timeline = statusTimeline(
      [
        absence('course', 'business-trip', at('08:00'), at('17:00')),
        // The next morning starts with a meeting: back after it.
        absence('standup', 'meeting', at('08:00', '2026-12-08'), at('08:30', '2026-12-08'), 'information'),
      ],
      day({ reachableFrom: workStart }),
    );
    expect(timeline[0]).toMatchObject({ until: at('17:00'), returnAt: at('08:30', '2026-12-08') });
    expect(
      statusTimeline([absence('course', 'business-trip', at('08:00'), at('17:00'))], day())[0],
    ).toMatchObject({
      returnAt: at('17:00'),
    });
  });

  it('does not let a reason code find members of a plain object', () => {
    const timeline = statusTimeline(
      [
        absence('a', 'constructor', at('10:00'), at('11:00')),
        absence('b', 'meeting', at('09:00'), at('11:00')),
      ],
      day({ precedence: precedence({ order: ['reasonPriority'], reasonPriority: { meeting: -1 } }) }),
    );
    // Unlisted, "constructor" counts 0 and beats the meeting's -1.
    expect(timeline.map((segment) => segment.status === 'away' && segment.absenceIds)).toEqual([
      false,
      ['b'],
      ['a'],
      false,
    ]);
  });

  it('refuses a horizon that is not after the start', () => {
    expect(() => statusTimeline([], day({ horizonMs: ms('08:00') }))).toThrow(RangeError);
    expect(() => statusTimeline([], day({ fromMs: Number.NaN }))).toThrow(RangeError);
  });
});

describe('the status precedence configuration', () => {
  it('defaults to diversion, then reason priority, then the later start', () => {
    expect(DEFAULT_STATUS_PRECEDENCE).toEqual({
      order: ['callHandling', 'reasonPriority', 'laterStart'],
      reasonPriority: {},
    });
  });

  it('refuses a criterion listed twice, an unknown one and a fractional priority', () => {
    expect(statusPrecedenceSchema.safeParse({ order: ['laterStart', 'laterStart'] }).success).toBe(false);
    expect(statusPrecedenceSchema.safeParse({ order: ['shortest'] }).success).toBe(false);
    expect(statusPrecedenceSchema.safeParse({ reasonPriority: { lunch: 1.5 } }).success).toBe(false);
    expect(statusPrecedenceSchema.safeParse({ reasonPriority: { '': 1 } }).success).toBe(false);
    expect(statusPrecedenceSchema.safeParse({ order: [], reasonPriority: { lunch: -3 } }).success).toBe(true);
  });
});
