// The free slots a call centre is offered: working hours on the person's own
// clock (two zones, DST changes, night shifts), busy time by status, meetings
// at the edges, and the grid slot starts are aligned to.

import fc from 'fast-check';
import type { ShowAs } from '../../shared/domain/calendarEntry';
import { type BusyItem, type FreeSlot, freeSlots, hasWorkingDays } from '../../shared/domain/freeSlots';
import { wallClockAt } from '../../shared/domain/rules/zonedTime';
import type { WorkingHours } from '../../shared/domain/workingHours';

const WEEKDAYS: WorkingHours['daysOfWeek'] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const STOCKHOLM: WorkingHours = {
  daysOfWeek: WEEKDAYS,
  start: '08:00',
  end: '17:00',
  timeZone: 'Europe/Stockholm',
};
const NEW_YORK: WorkingHours = {
  daysOfWeek: WEEKDAYS,
  start: '09:00',
  end: '17:00',
  timeZone: 'America/New_York',
};

const at = (iso: string) => Date.parse(iso);
const busy = (start: string, end: string, status: ShowAs = 'busy'): BusyItem => ({
  start: at(start),
  end: at(end),
  status,
});
/** Slots as the person's clock shows them: "HH:MM-HH:MM". */
const local = (slots: FreeSlot[], timeZone: string) =>
  slots.map((slot) => {
    const clock = (instant: number) => {
      const wall = wallClockAt(instant, timeZone);
      return `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
    };
    return `${clock(slot.start)}-${clock(slot.end)}`;
  });
const utc = (slots: FreeSlot[]) => slots.map((slot) => new Date(slot.start).toISOString());

describe('free slots inside working hours', () => {
  // Monday 7 December 2026: Stockholm is UTC+1, New York UTC-5.
  const monday = { from: at('2026-12-07T00:00:00Z'), to: at('2026-12-08T00:00:00Z') };

  it('offers every hour of a Stockholm working day around its meetings, on the Stockholm clock', () => {
    const slots = freeSlots({
      ...monday,
      workingHours: STOCKHOLM,
      busy: [
        busy('2026-12-07T08:00:00Z', '2026-12-07T09:00:00Z'),
        busy('2026-12-07T11:00:00Z', '2026-12-07T11:30:00Z'),
      ],
      slotMinutes: 60,
      stepMinutes: 60,
    });
    // 09:00-10:00 and 12:00-12:30 local are taken; after 12:30 the hourly grid resumes at 13:00.
    expect(local(slots, 'Europe/Stockholm')).toEqual([
      '08:00-09:00',
      '10:00-11:00',
      '11:00-12:00',
      '13:00-14:00',
      '14:00-15:00',
      '15:00-16:00',
      '16:00-17:00',
    ]);
    expect(utc(slots)[0]).toBe('2026-12-07T07:00:00.000Z');
  });

  it('gives a New York colleague the same UTC period on her own clock', () => {
    const slots = freeSlots({
      ...monday,
      workingHours: NEW_YORK,
      // 10:00-11:00 in New York; the Stockholm meeting times mean nothing to her.
      busy: [busy('2026-12-07T15:00:00Z', '2026-12-07T16:00:00Z')],
      slotMinutes: 60,
      stepMinutes: 60,
    });
    expect(local(slots, 'America/New_York')).toEqual([
      '09:00-10:00',
      '11:00-12:00',
      '12:00-13:00',
      '13:00-14:00',
      '14:00-15:00',
      '15:00-16:00',
      '16:00-17:00',
    ]);
    // 09:00 EST is 14:00 UTC; her last slot ends at 22:00 UTC, when Stockholm is long asleep.
    expect(slots[0]?.start).toBe(at('2026-12-07T14:00:00Z'));
    expect(slots.at(-1)?.end).toBe(at('2026-12-07T22:00:00Z'));
  });

  it('follows each zone’s own change to summer time', () => {
    // New York moves on 14 March 2027, Stockholm on 28 March: 08:00 and 09:00 local move an hour earlier in UTC.
    const firstSlot = (hours: WorkingHours, day: string) =>
      freeSlots({
        workingHours: hours,
        busy: [],
        from: at(`${day}T00:00:00Z`),
        to: at(`${day}T23:59:00Z`),
        slotMinutes: 30,
        maxSlots: 1,
      })[0]?.start;
    expect(firstSlot(NEW_YORK, '2027-03-12')).toBe(at('2027-03-12T14:00:00Z'));
    expect(firstSlot(NEW_YORK, '2027-03-15')).toBe(at('2027-03-15T13:00:00Z'));
    expect(firstSlot(STOCKHOLM, '2027-03-26')).toBe(at('2027-03-26T07:00:00Z'));
    expect(firstSlot(STOCKHOLM, '2027-03-29')).toBe(at('2027-03-29T06:00:00Z'));
    // Between the two changes Stockholm is five hours ahead of New York instead of six.
    expect(firstSlot(STOCKHOLM, '2027-03-15')).toBe(at('2027-03-15T07:00:00Z'));
  });

  it('runs a night shift past midnight, an hour shorter when the clocks jump forward in it', () => {
    const nights: WorkingHours = {
      daysOfWeek: ['saturday'],
      start: '22:00',
      end: '06:00',
      timeZone: 'Europe/Stockholm',
    };
    const slots = freeSlots({
      workingHours: nights,
      busy: [],
      from: at('2027-03-27T00:00:00Z'),
      to: at('2027-03-29T00:00:00Z'),
      slotMinutes: 60,
      stepMinutes: 60,
    });
    // Saturday 22:00 to Sunday 06:00, with 02:00-03:00 never happening: seven real hours.
    expect(local(slots, 'Europe/Stockholm')).toEqual([
      '22:00-23:00',
      '23:00-00:00',
      '00:00-01:00',
      '01:00-03:00',
      '03:00-04:00',
      '04:00-05:00',
      '05:00-06:00',
    ]);
    expect(slots.every((slot) => slot.end - slot.start === 60 * 60_000)).toBe(true);
  });

  it('gives a night shift an hour more when the clocks go back in it, the repeated hour twice', () => {
    const nights: WorkingHours = {
      daysOfWeek: ['saturday'],
      start: '22:00',
      end: '06:00',
      timeZone: 'Europe/Stockholm',
    };
    const slots = freeSlots({
      workingHours: nights,
      busy: [],
      from: at('2027-10-30T00:00:00Z'),
      to: at('2027-11-01T00:00:00Z'),
      slotMinutes: 60,
      stepMinutes: 60,
    });
    expect(slots).toHaveLength(9);
    expect(local(slots, 'Europe/Stockholm').filter((slot) => slot.startsWith('02:00'))).toHaveLength(2);
    expect(slots[0]?.start).toBe(at('2027-10-30T20:00:00Z'));
    expect(slots.at(-1)?.end).toBe(at('2027-10-31T05:00:00Z'));
  });

  it('finds the night shift that began the day before the period', () => {
    const nights: WorkingHours = { daysOfWeek: ['monday'], start: '22:00', end: '06:00', timeZone: 'UTC' };
    const slots = freeSlots({
      workingHours: nights,
      busy: [],
      from: at('2026-12-08T03:00:00Z'),
      to: at('2026-12-08T12:00:00Z'),
      slotMinutes: 60,
      stepMinutes: 60,
    });
    expect(utc(slots)).toEqual([
      '2026-12-08T03:00:00.000Z',
      '2026-12-08T04:00:00.000Z',
      '2026-12-08T05:00:00.000Z',
    ]);
  });

  it('lets a 24-hour shift on consecutive days be one stretch, so a slot can cross the change of day', () => {
    const always: WorkingHours = {
      daysOfWeek: ['monday', 'tuesday'],
      start: '08:00',
      end: '08:00',
      timeZone: 'UTC',
    };
    const slots = freeSlots({
      workingHours: always,
      busy: [busy('2026-12-07T08:00:00Z', '2026-12-08T07:00:00Z')],
      from: monday.from,
      to: at('2026-12-08T12:00:00Z'),
      slotMinutes: 120,
      stepMinutes: 60,
    });
    // Monday's shift ends at Tuesday 08:00 and Tuesday's begins there: 07:00-09:00 is one slot.
    expect(utc(slots)).toEqual([
      '2026-12-08T07:00:00.000Z',
      '2026-12-08T08:00:00.000Z',
      '2026-12-08T09:00:00.000Z',
      '2026-12-08T10:00:00.000Z',
    ]);
  });

  it('offers nothing without working days or working hours', () => {
    const query = { ...monday, busy: [], slotMinutes: 30 };
    expect(freeSlots({ ...query, workingHours: { ...STOCKHOLM, daysOfWeek: [] } })).toEqual([]);
    expect(freeSlots({ ...query, workingHours: undefined })).toEqual([]);
    expect(hasWorkingDays(undefined)).toBe(false);
    expect(hasWorkingDays({ ...STOCKHOLM, daysOfWeek: [] })).toBe(false);
    expect(hasWorkingDays(STOCKHOLM)).toBe(true);
    // A Saturday of a Monday-to-Friday week.
    expect(
      freeSlots({
        ...query,
        workingHours: STOCKHOLM,
        from: at('2026-12-05T00:00:00Z'),
        to: at('2026-12-06T00:00:00Z'),
      }),
    ).toEqual([]);
  });
});

describe('meetings at the edges', () => {
  const day = { from: at('2026-12-07T00:00:00Z'), to: at('2026-12-08T00:00:00Z') };
  const hours: WorkingHours = { daysOfWeek: WEEKDAYS, start: '08:00', end: '12:00', timeZone: 'UTC' };

  it('offers a slot that exactly fits between two meetings, and none a minute longer', () => {
    const meetings = [
      busy('2026-12-07T08:00:00Z', '2026-12-07T09:00:00Z'),
      busy('2026-12-07T10:00:00Z', '2026-12-07T12:00:00Z'),
    ];
    const query = { ...day, workingHours: hours, busy: meetings, stepMinutes: 15 };
    expect(freeSlots({ ...query, slotMinutes: 60 })).toEqual([
      { start: at('2026-12-07T09:00:00Z'), end: at('2026-12-07T10:00:00Z') },
    ]);
    expect(freeSlots({ ...query, slotMinutes: 61 })).toEqual([]);
  });

  it('does not count a meeting that ends as the day starts, or starts as it ends, and clips one across the start', () => {
    const slots = freeSlots({
      ...day,
      workingHours: hours,
      busy: [
        busy('2026-12-07T07:00:00Z', '2026-12-07T08:00:00Z'),
        busy('2026-12-07T12:00:00Z', '2026-12-07T13:00:00Z'),
      ],
      slotMinutes: 240,
    });
    expect(utc(slots)).toEqual(['2026-12-07T08:00:00.000Z']);
    const late = freeSlots({
      ...day,
      workingHours: hours,
      busy: [busy('2026-12-07T07:30:00Z', '2026-12-07T08:30:00Z')],
      slotMinutes: 60,
      stepMinutes: 30,
    });
    expect(utc(late)).toEqual([
      '2026-12-07T08:30:00.000Z',
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T09:30:00.000Z',
      '2026-12-07T10:00:00.000Z',
      '2026-12-07T10:30:00.000Z',
      '2026-12-07T11:00:00.000Z',
    ]);
  });

  it('keeps every slot inside the period asked for', () => {
    const slots = freeSlots({
      workingHours: hours,
      busy: [],
      from: at('2026-12-07T09:10:00Z'),
      to: at('2026-12-07T11:20:00Z'),
      slotMinutes: 60,
      stepMinutes: 30,
    });
    // 09:10 is off the grid: the first start is 09:30; 10:30-11:30 would end after 11:20.
    expect(utc(slots)).toEqual(['2026-12-07T09:30:00.000Z', '2026-12-07T10:00:00.000Z']);
  });

  it('merges overlapping items, as getSchedule lists a tentative meeting inside a busy one', () => {
    const slots = freeSlots({
      ...day,
      workingHours: hours,
      busy: [
        busy('2026-12-07T09:00:00Z', '2026-12-07T10:00:00Z', 'tentative'),
        busy('2026-12-07T08:30:00Z', '2026-12-07T09:30:00Z'),
        busy('2026-12-07T09:45:00Z', '2026-12-07T10:15:00Z'),
      ],
      slotMinutes: 30,
      stepMinutes: 30,
    });
    expect(utc(slots)).toEqual([
      '2026-12-07T08:00:00.000Z',
      '2026-12-07T10:30:00.000Z',
      '2026-12-07T11:00:00.000Z',
      '2026-12-07T11:30:00.000Z',
    ]);
  });
});

describe('what blocks a booking', () => {
  const hours: WorkingHours = { daysOfWeek: WEEKDAYS, start: '09:00', end: '10:00', timeZone: 'UTC' };
  const offered = (status: ShowAs, blocking?: ReadonlySet<ShowAs>) =>
    freeSlots({
      workingHours: hours,
      busy: [busy('2026-12-07T09:00:00Z', '2026-12-07T10:00:00Z', status)],
      from: at('2026-12-07T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
      slotMinutes: 60,
      ...(blocking ? { blocking } : {}),
    }).length;

  it('blocks on busy, out of office, tentative and unknown; never on free or working elsewhere', () => {
    expect(offered('busy')).toBe(0);
    expect(offered('oof')).toBe(0);
    expect(offered('tentative')).toBe(0);
    expect(offered('unknown')).toBe(0);
    expect(offered('free')).toBe(1);
    expect(offered('workingElsewhere')).toBe(1);
  });

  it('takes the caller’s own set instead', () => {
    expect(offered('tentative', new Set<ShowAs>(['busy', 'oof']))).toBe(1);
    expect(offered('workingElsewhere', new Set<ShowAs>(['workingElsewhere']))).toBe(0);
  });

  it('ignores items without length', () => {
    const slots = freeSlots({
      workingHours: hours,
      busy: [
        busy('2026-12-07T09:30:00Z', '2026-12-07T09:30:00Z'),
        busy('2026-12-07T09:40:00Z', '2026-12-07T09:20:00Z'),
      ],
      from: at('2026-12-07T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
      slotMinutes: 60,
    });
    expect(slots).toHaveLength(1);
  });
});

describe('the grid of slot starts', () => {
  it('aligns starts to the person’s clock in a zone half an hour off UTC', () => {
    const kolkata: WorkingHours = {
      daysOfWeek: WEEKDAYS,
      start: '09:00',
      end: '12:00',
      timeZone: 'Asia/Kolkata',
    };
    const slots = freeSlots({
      workingHours: kolkata,
      busy: [],
      from: at('2026-12-07T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
      slotMinutes: 60,
      stepMinutes: 60,
    });
    // 09:00 IST is 03:30 UTC: on the hour for her, at half past in UTC.
    expect(utc(slots)).toEqual([
      '2026-12-07T03:30:00.000Z',
      '2026-12-07T04:30:00.000Z',
      '2026-12-07T05:30:00.000Z',
    ]);
  });

  it('follows a grid on another zone when asked, and stops at the number of slots asked for', () => {
    const hours: WorkingHours = {
      daysOfWeek: WEEKDAYS,
      start: '09:00',
      end: '12:00',
      timeZone: 'Asia/Kolkata',
    };
    const slots = freeSlots({
      workingHours: hours,
      busy: [],
      from: at('2026-12-07T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
      slotMinutes: 60,
      stepMinutes: 60,
      alignZone: 'UTC',
      maxSlots: 2,
    });
    expect(utc(slots)).toEqual(['2026-12-07T04:00:00.000Z', '2026-12-07T05:00:00.000Z']);
  });

  it('refuses a length or step that is not a whole number of minutes up to a day, and a period without end', () => {
    const query = {
      workingHours: STOCKHOLM,
      busy: [],
      from: at('2026-12-07T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
    };
    expect(() => freeSlots({ ...query, slotMinutes: 0 })).toThrow(RangeError);
    expect(() => freeSlots({ ...query, slotMinutes: 30.5 })).toThrow(RangeError);
    expect(() => freeSlots({ ...query, slotMinutes: 30, stepMinutes: 1441 })).toThrow(RangeError);
    expect(() => freeSlots({ ...query, slotMinutes: 30, to: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(freeSlots({ ...query, slotMinutes: 30, to: query.from })).toEqual([]);
  });
});

describe('free slots, for any calendar', () => {
  const ZONES = ['Europe/Stockholm', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
  const STATUSES: ShowAs[] = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'];
  const MINUTE = 60_000;
  const BLOCKS = new Set<ShowAs>(['busy', 'oof', 'tentative', 'unknown']);
  // Fortnights around both European and American DST changes of 2027.
  const periodStarts = [at('2027-03-08T00:00:00Z'), at('2027-03-22T00:00:00Z'), at('2027-10-25T00:00:00Z')];

  it('offers only aligned, free, whole slots inside working hours and the period, and every one there is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...periodStarts),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(15, 30, 45, 60, 90),
        fc.constantFrom(15, 30, 60),
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 7 * 24 * 4 }),
            quarters: fc.integer({ min: 1, max: 16 }),
            status: fc.constantFrom(...STATUSES),
          }),
          { maxLength: 25 },
        ),
        (timeZone, from, startHour, endHour, slotMinutes, stepMinutes, items) => {
          const hours: WorkingHours = {
            daysOfWeek: ['monday', 'wednesday', 'thursday', 'saturday'],
            start: `${String(startHour).padStart(2, '0')}:00`,
            end: `${String(endHour).padStart(2, '0')}:00`,
            timeZone,
          };
          const to = from + 7 * 24 * 60 * MINUTE;
          const busyItems = items.map(({ offset, quarters, status }) => ({
            start: from + offset * 15 * MINUTE,
            end: from + (offset + quarters) * 15 * MINUTE,
            status,
          }));
          const slots = freeSlots({
            workingHours: hours,
            busy: busyItems,
            from,
            to,
            slotMinutes,
            stepMinutes,
          });
          const offered = new Set(slots.map((slot) => slot.start));
          // Brute force: every grid instant of the week, checked minute by minute against a plain reading of the hours.
          const working = (instant: number) => {
            const clock = wallClockAt(instant, timeZone);
            const minute = clock.hour * 60 + clock.minute;
            const weekday = new Date(Date.UTC(clock.year, clock.month - 1, clock.day)).getUTCDay();
            const yesterday = (weekday + 6) % 7;
            const days = new Set(
              hours.daysOfWeek.map((name) =>
                ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].indexOf(name),
              ),
            );
            const [start, end] = [startHour * 60, endHour * 60];
            if (end > start) return days.has(weekday) && minute >= start && minute < end;
            return (days.has(weekday) && minute >= start) || (days.has(yesterday) && minute < end);
          };
          const free = (instant: number) =>
            working(instant) &&
            !busyItems.some((item) => BLOCKS.has(item.status) && item.start <= instant && instant < item.end);
          for (let start = from; start + slotMinutes * MINUTE <= to; start += 15 * MINUTE) {
            const clock = wallClockAt(start, timeZone);
            const onGrid = (clock.hour * 60 + clock.minute) % stepMinutes === 0;
            let bookable = onGrid;
            for (let minute = start; bookable && minute < start + slotMinutes * MINUTE; minute += 15 * MINUTE)
              bookable = free(minute);
            if (bookable !== offered.has(start)) return false;
          }
          return slots.every(
            (slot) => slot.end - slot.start === slotMinutes * MINUTE && slot.start % (15 * MINUTE) === 0,
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
