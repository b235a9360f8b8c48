import {
  calendarEntryOf,
  entryFromGraphEvent,
  graphEventSchema,
  parseDeltaItem,
  withMasterProperties,
} from '../../shared/graph/graphEvent';
import { graphEvent } from '../rules/graphEventFixture';

/** The one reading of a Graph event, used by the sync and by the rules dry run alike. */
describe('Graph events to calendar entries', () => {
  const masterJson = {
    id: 'master-1',
    type: 'seriesMaster',
    subject: 'Lunch',
    showAs: 'oof',
    sensitivity: 'normal',
    categories: ['Lunch'],
    isCancelled: false,
    isAllDay: false,
    responseStatus: { response: 'organizer' },
    start: { dateTime: '2026-12-01T11:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-12-01T12:00:00.0000000', timeZone: 'UTC' },
  };
  const master = graphEventSchema.parse(masterJson);
  /** As calendarView/delta sends an occurrence: times only. */
  const occurrenceJson = {
    id: 'occ-2',
    type: 'occurrence',
    seriesMasterId: 'master-1',
    start: { dateTime: '2026-12-02T11:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-12-02T12:00:00.0000000', timeZone: 'UTC' },
  };

  function entryOf(json: unknown, masterOf?: unknown) {
    const read = entryFromGraphEvent(json, masterOf);
    if ('error' in read) throw new Error(read.error);
    return read.entry;
  }

  it('reads a removal notice', () => {
    expect(parseDeltaItem({ id: 'x', '@removed': { reason: 'deleted' } })).toEqual({
      kind: 'removed',
      id: 'x',
    });
  });

  it('reads the fields the rules use and ignores the rest', () => {
    const read = entryFromGraphEvent(
      graphEvent({
        id: 'AAMkAGI2=',
        subject: null,
        type: 'exception',
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
        kind: 'exception',
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

  it('fills an occurrence from its series master but keeps its own id and times', () => {
    const expected = {
      id: 'occ-2',
      kind: 'occurrence',
      seriesMasterId: 'master-1',
      showAs: 'oof',
      subject: 'Lunch',
      categories: ['Lunch'],
      timing: { kind: 'timed', start: '2026-12-02T11:00:00.000Z', end: '2026-12-02T12:00:00.000Z' },
    };
    expect(entryOf(occurrenceJson, masterJson)).toMatchObject(expected);
    const occurrence = graphEventSchema.parse(occurrenceJson);
    expect(calendarEntryOf(withMasterProperties(occurrence, master))).toMatchObject({ entry: expected });
  });

  it('reads no entry for an occurrence that needs its master and has none, or the wrong one', () => {
    expect(entryFromGraphEvent(occurrenceJson)).toEqual({
      error: expect.stringContaining('master'),
      path: 'master',
    });
    expect(entryFromGraphEvent(occurrenceJson, { ...masterJson, id: 'master-9' })).toMatchObject({
      path: 'master.id',
    });
    const { seriesMasterId: _, ...orphan } = occurrenceJson;
    expect(entryFromGraphEvent(orphan, masterJson)).toMatchObject({ path: 'event' });
  });

  it("uses an occurrence's own properties when it has them, whatever master is given", () => {
    const own = { ...occurrenceJson, subject: 'Moved lunch', showAs: 'busy' };
    expect(entryOf(own, masterJson)).toMatchObject({
      subject: 'Moved lunch',
      showAs: 'busy',
      categories: [],
    });
  });

  it('decides each missing or unknown value once: busy, normal, private for an unknown sensitivity', () => {
    const { showAs: _s, sensitivity: _v, responseStatus: _r, ...bare } = graphEvent();
    expect(entryOf(bare)).toMatchObject({ showAs: 'busy', sensitivity: 'normal', responseStatus: 'none' });
    expect(entryOf(graphEvent({ showAs: 'away' }))).toMatchObject({ showAs: 'busy' });
    expect(entryOf(graphEvent({ sensitivity: 'secretive' })).sensitivity).toBe('private');
    expect(entryOf(graphEvent({ responseStatus: { response: 'maybe' } })).responseStatus).toBe('none');
  });

  it('keeps all-day entries as dates for the rules to place in the mailbox zone', () => {
    expect(
      entryOf(
        graphEvent({
          isAllDay: true,
          start: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'W. Europe Standard Time' },
          end: { dateTime: '2026-12-27T00:00:00.0000000', timeZone: 'W. Europe Standard Time' },
        }),
      ).timing,
    ).toEqual({ kind: 'allDay', startDate: '2026-12-24', endDate: '2026-12-27' });
  });

  it('converts wall clock in an IANA zone, and Graph spellings of UTC, to instants', () => {
    expect(
      entryOf(
        graphEvent({
          start: { dateTime: '2026-11-26T12:00:00.0000000', timeZone: 'Europe/Stockholm' },
          end: { dateTime: '2026-07-01T12:30:00.5', timeZone: 'Europe/Stockholm' },
        }),
      ).timing,
    ).toEqual({ kind: 'timed', start: '2026-11-26T11:00:00.000Z', end: '2026-07-01T10:30:00.500Z' });
    expect(
      entryOf(
        graphEvent({
          start: { dateTime: '2026-11-26T12:00', timeZone: 'tzone://Microsoft/Utc' },
          end: { dateTime: '2026-11-26T13:00:00.0000000Z', timeZone: 'UTC' },
        }),
      ).timing,
    ).toEqual({ kind: 'timed', start: '2026-11-26T12:00:00.000Z', end: '2026-11-26T13:00:00.000Z' });
  });

  it.each([
    [
      'a Windows zone name, rather than guessing',
      { start: { dateTime: '2026-11-26T12:00:00.0000000', timeZone: 'W. Europe Standard Time' } },
      'start.timeZone: unknown time zone "W. Europe Standard Time" (use UTC or an IANA name such as Europe/Stockholm)',
      'event.start.timeZone',
    ],
    [
      'a time with an offset',
      { end: { dateTime: '2026-11-26T12:00:00+01:00', timeZone: 'UTC' } },
      'end.dateTime: "2026-11-26T12:00:00+01:00" is not a date and time like 2026-11-25T12:00:00.0000000',
      'event.end.dateTime',
    ],
    [
      'a date that does not exist',
      { start: { dateTime: '2026-02-30T12:00:00', timeZone: 'UTC' } },
      'start.dateTime: "2026-02-30T12:00:00" is not a date and time like 2026-11-25T12:00:00.0000000',
      'event.start.dateTime',
    ],
    [
      'an all-day event without a date',
      { isAllDay: true, end: { dateTime: 'tomorrow', timeZone: 'UTC' } },
      'end.dateTime: "tomorrow" does not start with a date like 2026-11-25',
      'event.end.dateTime',
    ],
    ['an event without an id', { id: '' }, 'id: ', 'event.id'],
    ['an unknown type', { type: 'meeting' }, 'type: ', 'event.type'],
    ['an event without a start', { start: undefined }, 'start: required', 'event.start'],
  ])('refuses %s with a clear message', (_name, overrides, message, path) => {
    const read = entryFromGraphEvent(graphEvent(overrides as Parameters<typeof graphEvent>[0]));
    expect(read).toMatchObject({ path });
    if ('error' in read) expect(read.error.startsWith(message)).toBe(true);
  });

  it('refuses what is not an event at all', () => {
    expect(entryFromGraphEvent('LUN: pizza')).toEqual({
      error: expect.stringContaining('event: '),
      path: 'event',
    });
    expect(entryFromGraphEvent(null)).toHaveProperty('error');
    expect(entryFromGraphEvent(graphEvent(), 'not a master')).toMatchObject({ path: 'master' });
  });
});
