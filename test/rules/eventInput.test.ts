import { entryFromGraphEvent } from '../../shared/domain/rules/eventInput';
import { graphEvent } from './graphEventFixture';

function timingOf(json: unknown) {
  const read = entryFromGraphEvent(json);
  if ('error' in read) throw new Error(read.error);
  return read.entry.timing;
}

describe('reading a Graph event', () => {
  it('reads the fields the rules use and ignores the rest', () => {
    const read = entryFromGraphEvent(
      graphEvent({
        id: 'AAMkAGI2=',
        subject: null,
        type: 'occurrence',
        seriesMasterId: 'AAMkMaster=',
        showAs: 'oof',
        sensitivity: 'private',
        categories: ['Red category'],
        responseStatus: { response: 'tentativelyAccepted', time: '2026-11-20T10:00:00Z' },
      }),
    );
    expect(read).toEqual({
      entry: {
        id: 'AAMkAGI2=',
        kind: 'occurrence',
        seriesMasterId: 'AAMkMaster=',
        subject: '',
        showAs: 'oof',
        sensitivity: 'private',
        categories: ['Red category'],
        isCancelled: false,
        responseStatus: 'tentativelyAccepted',
        timing: { kind: 'timed', start: '2026-11-26T11:00:00.000Z', end: '2026-11-26T12:00:00.000Z' },
      },
    });
  });

  it('converts wall clock in an IANA zone, and Graph spellings of UTC, to instants', () => {
    expect(
      timingOf(
        graphEvent({
          start: { dateTime: '2026-11-26T12:00:00.0000000', timeZone: 'Europe/Stockholm' },
          end: { dateTime: '2026-07-01T12:30:00.5', timeZone: 'Europe/Stockholm' },
        }),
      ),
    ).toEqual({ kind: 'timed', start: '2026-11-26T11:00:00.000Z', end: '2026-07-01T10:30:00.500Z' });
    expect(
      timingOf(
        graphEvent({
          start: { dateTime: '2026-11-26T12:00', timeZone: 'tzone://Microsoft/Utc' },
          end: { dateTime: '2026-11-26T13:00:00.0000000Z', timeZone: 'UTC' },
        }),
      ),
    ).toEqual({ kind: 'timed', start: '2026-11-26T12:00:00.000Z', end: '2026-11-26T13:00:00.000Z' });
  });

  it('takes the dates of an all-day event as they are', () => {
    expect(
      timingOf(
        graphEvent({
          isAllDay: true,
          start: { dateTime: '2026-10-24T00:00:00.0000000', timeZone: 'UTC' },
          end: { dateTime: '2026-10-27T00:00:00.0000000', timeZone: 'UTC' },
        }),
      ),
    ).toEqual({ kind: 'allDay', startDate: '2026-10-24', endDate: '2026-10-27' });
  });

  it.each([
    [
      'a Windows zone name',
      { start: { dateTime: '2026-11-26T12:00:00.0000000', timeZone: 'W. Europe Standard Time' } },
      'start.timeZone: unknown time zone "W. Europe Standard Time" (use UTC or an IANA name such as Europe/Stockholm)',
    ],
    [
      'a time with an offset',
      { end: { dateTime: '2026-11-26T12:00:00+01:00', timeZone: 'UTC' } },
      'end.dateTime: "2026-11-26T12:00:00+01:00" is not a date and time like 2026-11-25T12:00:00.0000000',
    ],
    [
      'a date that does not exist',
      { start: { dateTime: '2026-02-30T12:00:00', timeZone: 'UTC' } },
      'start.dateTime: "2026-02-30T12:00:00" is not a date and time like 2026-11-25T12:00:00.0000000',
    ],
    [
      'an all-day event without a date',
      { isAllDay: true, end: { dateTime: 'tomorrow', timeZone: 'UTC' } },
      'end.dateTime: "tomorrow" does not start with a date like 2026-11-25',
    ],
    ['an unknown showAs', { showAs: 'away' }, 'showAs: '],
  ])('refuses %s with a clear message', (_name, overrides, message) => {
    const read = entryFromGraphEvent(graphEvent(overrides as Parameters<typeof graphEvent>[0]));
    expect(read).toHaveProperty('error');
    if ('error' in read) expect(read.error.startsWith(message)).toBe(true);
  });

  it('refuses what is not an event at all', () => {
    expect(entryFromGraphEvent('LUN: pizza')).toEqual({ error: expect.stringContaining('event: ') });
    expect(entryFromGraphEvent(null)).toHaveProperty('error');
  });
});
