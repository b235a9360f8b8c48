// An EWS calendar item read as the rules' CalendarEntry: statuses, responses,
// item types, privacy and all-day dates in the mailbox's zone.
import type { EwsCalendarItem } from '../../shared/exchange/ewsCalendarReader';
import { entryFromEwsItem } from '../../shared/exchange/ewsEntry';

const item = (overrides: Partial<EwsCalendarItem> = {}): EwsCalendarItem => ({
  itemId: 'AAMkAD=',
  changeKey: 'DwAAAB',
  itemType: 'Single',
  subject: 'Offsite',
  start: '2026-12-03T09:00:00.000Z',
  end: '2026-12-03T10:30:00.000Z',
  freeBusy: 'Busy',
  sensitivity: 'Normal',
  categories: ['Away'],
  isAllDay: false,
  isCancelled: false,
  myResponse: 'Accept',
  ...overrides,
});

describe('reading an EWS calendar item as an entry', () => {
  it('reads a timed single item', () => {
    expect(entryFromEwsItem(item(), 'Europe/Stockholm')).toEqual({
      id: 'AAMkAD=',
      kind: 'singleInstance',
      subject: 'Offsite',
      showAs: 'busy',
      sensitivity: 'normal',
      categories: ['Away'],
      isCancelled: false,
      responseStatus: 'accepted',
      timing: { kind: 'timed', start: '2026-12-03T09:00:00.000Z', end: '2026-12-03T10:30:00.000Z' },
    });
  });

  it.each([
    ['Free', 'free'],
    ['Tentative', 'tentative'],
    ['Busy', 'busy'],
    ['OOF', 'oof'],
    ['WorkingElsewhere', 'workingElsewhere'],
    ['NoData', 'unknown'],
  ] as const)('reads LegacyFreeBusyStatus %s as %s', (freeBusy, showAs) => {
    expect(entryFromEwsItem(item({ freeBusy }), 'UTC').showAs).toBe(showAs);
  });

  it.each([
    ['Unknown', 'none'],
    ['Organizer', 'organizer'],
    ['Tentative', 'tentativelyAccepted'],
    ['Accept', 'accepted'],
    ['Decline', 'declined'],
    ['NoResponseReceived', 'notResponded'],
  ] as const)('reads MyResponseType %s as %s', (myResponse, responseStatus) => {
    expect(entryFromEwsItem(item({ myResponse }), 'UTC').responseStatus).toBe(responseStatus);
  });

  it.each([
    ['Single', 'singleInstance'],
    ['Occurrence', 'occurrence'],
    ['Exception', 'exception'],
    ['RecurringMaster', 'seriesMaster'],
  ] as const)('reads CalendarItemType %s as %s', (itemType, kind) => {
    expect(entryFromEwsItem(item({ itemType }), 'UTC').kind).toBe(kind);
  });

  it.each([
    ['Normal', 'normal'],
    ['Personal', 'personal'],
    ['Private', 'private'],
    ['Confidential', 'confidential'],
  ] as const)('reads Sensitivity %s as %s', (sensitivity, expected) => {
    expect(entryFromEwsItem(item({ sensitivity }), 'UTC').sensitivity).toBe(expected);
  });

  it('fails closed: a sensitivity it does not know reads as private, a status as busy', () => {
    const unknown = item({ sensitivity: 'Secret' as never, freeBusy: 'Elsewhere' as never });

    expect(entryFromEwsItem(unknown, 'UTC')).toMatchObject({ sensitivity: 'private', showAs: 'busy' });
  });

  it("places an all-day item on the mailbox's dates, the end exclusive", () => {
    // Midnight in Stockholm (UTC+1 in December) is 23:00 UTC the day before.
    const allDay = item({
      isAllDay: true,
      start: '2026-12-02T23:00:00.000Z',
      end: '2026-12-04T23:00:00.000Z',
    });

    expect(entryFromEwsItem(allDay, 'Europe/Stockholm').timing).toEqual({
      kind: 'allDay',
      startDate: '2026-12-03',
      endDate: '2026-12-05',
    });
  });

  it('keeps a cancelled item cancelled', () => {
    expect(entryFromEwsItem(item({ isCancelled: true }), 'UTC').isCancelled).toBe(true);
  });

  it.each([
    ['Occurrence', 'SERIES-UID'],
    ['Exception', 'SERIES-UID'],
    ['Single', undefined],
  ] as const)('gives a %s the UID as its series only when it belongs to one', (itemType, series) => {
    const entry = entryFromEwsItem(item({ itemType, iCalUid: 'SERIES-UID' }), 'UTC');

    expect(entry.seriesMasterId).toBe(series);
  });

  it('leaves the series out when Exchange sent no UID', () => {
    expect(entryFromEwsItem(item({ itemType: 'Occurrence' }), 'UTC')).not.toHaveProperty('seriesMasterId');
  });
});
