// Graph's dateTimeTimeZone to and from instants: Windows and IANA zones,
// Graph's seven fractional digits, summer time, and text it cannot read.

import { graphDateTimeAt, instantOfGraphDateTime } from '../../shared/graph/graphDateTime';

describe('Graph date-times for booking', () => {
  it('reads UTC, Windows and IANA zones, summer time included, with Graph’s fractional digits', () => {
    expect(instantOfGraphDateTime({ dateTime: '2026-12-07T09:00:00.0000000', timeZone: 'UTC' })).toBe(
      Date.parse('2026-12-07T09:00:00Z'),
    );
    expect(
      instantOfGraphDateTime({
        dateTime: '2026-07-07T09:00:00.5000000',
        timeZone: 'W. Europe Standard Time',
      }),
    ).toBe(Date.parse('2026-07-07T07:00:00.500Z'));
    expect(instantOfGraphDateTime({ dateTime: '2026-12-07T09:00:00', timeZone: 'America/Los_Angeles' })).toBe(
      Date.parse('2026-12-07T17:00:00Z'),
    );
  });

  it('reads nothing it cannot place rather than guessing', () => {
    expect(instantOfGraphDateTime({ dateTime: '2026-02-30T09:00:00', timeZone: 'UTC' })).toBeUndefined();
    expect(instantOfGraphDateTime({ dateTime: '2026-12-07 09:00', timeZone: 'UTC' })).toBeUndefined();
    expect(
      instantOfGraphDateTime({ dateTime: '2026-12-07T09:00:00', timeZone: 'Customized Time Zone' }),
    ).toBeUndefined();
  });

  it('writes an instant as the wall clock of the zone it is booked in, and reads back the same instant', () => {
    const instant = Date.parse('2026-03-29T01:30:00Z');
    const written = graphDateTimeAt(instant, 'Europe/Stockholm');
    // Stockholm moved to summer time at 01:00 UTC that morning.
    expect(written).toEqual({ dateTime: '2026-03-29T03:30:00', timeZone: 'Europe/Stockholm' });
    expect(instantOfGraphDateTime(written)).toBe(instant);
  });
});
