import {
  graphEventSchema,
  parseDeltaItem,
  toCalendarEntry,
  withMasterProperties,
} from '../../shared/graph/graphEvent';

describe('Graph events to calendar entries', () => {
  const master = graphEventSchema.parse({
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
  });

  it('reads a removal notice', () => {
    expect(parseDeltaItem({ id: 'x', '@removed': { reason: 'deleted' } })).toEqual({
      kind: 'removed',
      id: 'x',
    });
  });

  it('fills an occurrence from its series master but keeps its own id and times', () => {
    const occurrence = graphEventSchema.parse({
      id: 'occ-2',
      type: 'occurrence',
      seriesMasterId: 'master-1',
      start: { dateTime: '2026-12-02T11:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-12-02T12:00:00.0000000', timeZone: 'UTC' },
    });
    const entry = toCalendarEntry(withMasterProperties(occurrence, master));
    expect(entry).toMatchObject({
      id: 'occ-2',
      kind: 'occurrence',
      seriesMasterId: 'master-1',
      showAs: 'oof',
      subject: 'Lunch',
      timing: { kind: 'timed', start: '2026-12-02T11:00:00.000Z', end: '2026-12-02T12:00:00.000Z' },
    });
  });

  it('treats an unknown sensitivity as private, so privacy fails closed', () => {
    const event = graphEventSchema.parse({
      ...master,
      id: 'e',
      type: 'singleInstance',
      sensitivity: 'secretive',
    });
    expect(toCalendarEntry(event)?.sensitivity).toBe('private');
  });

  it('keeps all-day entries as dates for the rules to place in the mailbox zone', () => {
    const event = graphEventSchema.parse({
      ...master,
      id: 'vacation',
      type: 'singleInstance',
      isAllDay: true,
      start: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-12-27T00:00:00.0000000', timeZone: 'UTC' },
    });
    expect(toCalendarEntry(event)?.timing).toEqual({
      kind: 'allDay',
      startDate: '2026-12-24',
      endDate: '2026-12-27',
    });
  });

  it('refuses times in a zone other than UTC rather than guessing', () => {
    const event = graphEventSchema.parse({
      ...master,
      id: 'e',
      type: 'singleInstance',
      start: { dateTime: '2026-12-01T11:00:00', timeZone: 'W. Europe Standard Time' },
    });
    expect(toCalendarEntry(event)).toBeUndefined();
  });
});
