import { timingFrom, timingOnDate } from '../../dev/graphSimulator/eventTiming';
import type { Recurrence } from '../../dev/graphSimulator/eventWrites';
import { occurrenceDates } from '../../dev/graphSimulator/recurrence';
import { instantOfWallClock, wallClockAt } from '../../dev/graphSimulator/wallClock';

const weekly = (range: Recurrence['range'], interval = 1): Recurrence => ({
  pattern: { type: 'weekly', interval, daysOfWeek: ['monday', 'friday'], firstDayOfWeek: 'monday' },
  range,
});

describe('graph simulator: recurrence and time zones', () => {
  it('walks every other week from the week of the start date', () => {
    const dates = occurrenceDates(
      weekly({ type: 'endDate', startDate: '2026-12-04', endDate: '2026-12-31' }, 2),
      '2027-12-31',
    );
    // Fri Dec 4 starts week 0 (Mon Nov 30); week 1 is skipped; week 2 starts Mon Dec 14.
    expect(dates).toEqual(['2026-12-04', '2026-12-14', '2026-12-18', '2026-12-28']);
  });

  it('stops a numbered range after its count and a noEnd range at the asked date', () => {
    expect(
      occurrenceDates(
        weekly({ type: 'numbered', startDate: '2026-12-07', numberOfOccurrences: 3 }),
        '2030-01-01',
      ),
    ).toEqual(['2026-12-07', '2026-12-11', '2026-12-14']);
    expect(occurrenceDates(weekly({ type: 'noEnd', startDate: '2026-12-07' }), '2026-12-12')).toEqual([
      '2026-12-07',
      '2026-12-11',
    ]);
  });

  it('keeps the wall-clock time of a series across a daylight saving change', () => {
    const startMs = instantOfWallClock('2027-03-22T09:00:00', 'Europe/Stockholm');
    expect(new Date(startMs).toISOString()).toBe('2027-03-22T08:00:00.000Z');
    const master = {
      kind: 'timed' as const,
      startMs,
      endMs: startMs + 3_600_000,
      startZone: 'Europe/Stockholm',
      endZone: 'Europe/Stockholm',
    };
    const afterChange = timingOnDate(master, '2027-03-29');
    expect(afterChange.kind === 'timed' && new Date(afterChange.startMs).toISOString()).toBe(
      '2027-03-29T07:00:00.000Z',
    );
    expect(afterChange.kind === 'timed' && wallClockAt(afterChange.startMs, 'Europe/Stockholm')).toBe(
      '2027-03-29T09:00:00',
    );
  });

  it('understands common Windows zone names and refuses unknown ones', () => {
    const at = (timeZone: string) =>
      timingFrom(
        { dateTime: '2026-07-01T12:00:00', timeZone },
        { dateTime: '2026-07-01T13:00:00', timeZone },
        false,
      );
    const eastern = at('Eastern Standard Time');
    expect(
      eastern.ok && eastern.timing.kind === 'timed' && new Date(eastern.timing.startMs).toISOString(),
    ).toBe('2026-07-01T16:00:00.000Z');
    expect(at('Atlantis Standard Time')).toMatchObject({ ok: false, code: 'TimeZoneNotSupportedException' });
  });
});
