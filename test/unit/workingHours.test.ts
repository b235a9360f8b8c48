import fc from 'fast-check';
import { reachableFrom, type WorkingHours } from '../../shared/domain/workingHours';

const OFFICE: WorkingHours = {
  daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  start: '08:00',
  end: '17:00',
  timeZone: 'Europe/Stockholm',
};
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('the next instant inside working hours', () => {
  const next = reachableFrom(OFFICE);

  it('is Monday 08:00 for a vacation that ends on Friday at 17:00, in the mailbox zone', () => {
    // Friday 4 December 2026, 17:00 in Stockholm (UTC+1).
    expect(iso(next(at('2026-12-04T16:00:00Z')))).toBe('2026-12-07T07:00:00.000Z');
  });

  it('is the instant itself during working hours, and the day’s start before them', () => {
    expect(iso(next(at('2026-12-02T10:15:00Z')))).toBe('2026-12-02T10:15:00.000Z');
    expect(iso(next(at('2026-12-02T05:00:00Z')))).toBe('2026-12-02T07:00:00.000Z');
    // After hours on a Wednesday: Thursday morning.
    expect(iso(next(at('2026-12-02T18:00:00Z')))).toBe('2026-12-03T07:00:00.000Z');
  });

  it('follows the zone’s clock across a change to summer time', () => {
    // Stockholm moves to UTC+2 on Sunday 28 March 2027: Monday 08:00 is 06:00 UTC.
    expect(iso(next(at('2027-03-26T17:00:00Z')))).toBe('2027-03-29T06:00:00.000Z');
  });

  it('lets a shift run past midnight', () => {
    const nights = reachableFrom({ ...OFFICE, start: '22:00', end: '06:00', timeZone: 'UTC' });
    // Tuesday 03:00 is inside Monday's night shift; Tuesday 12:00 waits for Tuesday 22:00.
    expect(iso(nights(at('2026-12-01T03:00:00Z')))).toBe('2026-12-01T03:00:00.000Z');
    expect(iso(nights(at('2026-12-01T12:00:00Z')))).toBe('2026-12-01T22:00:00.000Z');
    // Saturday 03:00 ends Friday's shift; Saturday noon waits for Monday 22:00.
    expect(iso(nights(at('2026-12-05T03:00:00Z')))).toBe('2026-12-05T03:00:00.000Z');
    expect(iso(nights(at('2026-12-05T12:00:00Z')))).toBe('2026-12-07T22:00:00.000Z');
  });

  it('counts every instant as reachable when no day is a working day', () => {
    const none = reachableFrom({ ...OFFICE, daysOfWeek: [] });
    expect(none(at('2026-12-05T12:00:00Z'))).toBe(at('2026-12-05T12:00:00Z'));
  });

  it('never goes back, answers an instant it gave with itself, and skips no working time', () => {
    const zones = ['Europe/Stockholm', 'America/New_York', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.subarray(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const, {
          minLength: 1,
        }),
        (instant, timeZone, daysOfWeek) => {
          const reach = reachableFrom({ ...OFFICE, timeZone, daysOfWeek: [...daysOfWeek] });
          const found = reach(instant);
          expect(found).toBeGreaterThanOrEqual(instant);
          expect(reach(found)).toBe(found);
          // Nothing between the instant and the answer is reachable, sampled every quarter hour.
          for (let t = instant; t < found; t += 15 * 60_000) expect(reach(t)).toBe(found);
        },
      ),
      { numRuns: 200 },
    );
  });
});
