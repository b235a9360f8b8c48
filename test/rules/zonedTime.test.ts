import { parseCalendarDate, startOfLocalDay, utcInstantOf } from '../../shared/domain/rules/zonedTime';
import { isTimeZone } from '../../shared/domain/timeZone';

const iso = (instant: number) => new Date(instant).toISOString();
const at = (year: number, month: number, day: number, hour: number, minute = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
  millisecond: 0,
});

describe('zoned time', () => {
  it('finds local midnight on both sides of the October DST change in Stockholm', () => {
    expect(iso(startOfLocalDay({ year: 2026, month: 10, day: 24 }, 'Europe/Stockholm'))).toBe(
      '2026-10-23T22:00:00.000Z',
    );
    expect(iso(startOfLocalDay({ year: 2026, month: 10, day: 27 }, 'Europe/Stockholm'))).toBe(
      '2026-10-26T23:00:00.000Z',
    );
  });

  it('starts a day at the jump when midnight itself is skipped (Santiago, September 2026)', () => {
    // Chile moves from -04 to -03 at local midnight: the day begins at 01:00 local = 04:00Z.
    expect(iso(startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe(
      '2026-09-06T04:00:00.000Z',
    );
  });

  it('pushes a skipped wall time forward by the jump and takes the first of a repeated one', () => {
    // 02:30 does not exist on 2026-03-29 in Stockholm; 03:30 CEST does.
    expect(iso(utcInstantOf(at(2026, 3, 29, 2, 30), 'Europe/Stockholm'))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(utcInstantOf(at(2026, 10, 25, 2, 30), 'Europe/Stockholm'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('handles UTC and odd offsets', () => {
    expect(iso(startOfLocalDay({ year: 2026, month: 1, day: 1 }, 'UTC'))).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(startOfLocalDay({ year: 2026, month: 1, day: 1 }, 'Pacific/Chatham'))).toBe(
      '2025-12-31T10:15:00.000Z',
    );
  });

  it('knows real zones and refuses made-up ones and impossible dates', () => {
    expect(isTimeZone('Europe/Stockholm')).toBe(true);
    expect(isTimeZone('W. Europe Standard Time')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(parseCalendarDate('2026-02-30')).toBeUndefined();
    expect(parseCalendarDate('2026-2-3')).toBeUndefined();
    expect(parseCalendarDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
  });
});
