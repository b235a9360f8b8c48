// Recurring series through the real ews-javascript-api: the simulator
// expands a master into Occurrence and Exception items in a CalendarView,
// and the reader carries the series (the UID they share) to the entry.
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import { type EwsConnection, readCalendarView } from '../../shared/exchange/ewsCalendarReader';
import { entryFromEwsItem } from '../../shared/exchange/ewsEntry';

const ALICE = 'alice@contoso.example';
const DECEMBER = { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };

let simulator: EwsSimulator;

beforeEach(async () => {
  simulator = await startEwsSimulator();
  simulator.directory.addMailbox(ALICE);
  simulator.directory.addAccount({ userName: 'svc@contoso.example', password: 'pass', impersonation: true });
});

afterEach(() => simulator.close());

const connection = (): EwsConnection => ({
  url: simulator.url,
  userName: 'svc@contoso.example',
  password: 'pass',
  authentication: 'basic',
  accessMode: 'impersonation',
});

/** Mondays and Wednesdays 09:00–09:30 Stockholm time, six times from Monday 7 December. */
const standup = () =>
  simulator.calendars.addSeries(ALICE, {
    subject: 'Standup',
    start: '2026-12-07T08:00:00.000Z',
    end: '2026-12-07T08:30:00.000Z',
    recurrence: {
      pattern: { kind: 'weekly', interval: 1, daysOfWeek: ['Monday', 'Wednesday'] },
      range: { kind: 'numbered', numberOfOccurrences: 6 },
      timeZone: 'Europe/Stockholm',
    },
  });

describe('a recurring series in a CalendarView', () => {
  it('comes back as its occurrences, each with its own id and the series’ UID, never the master', async () => {
    const master = standup();

    const items = await readCalendarView(connection(), ALICE, DECEMBER);

    expect(items.map((item) => [item.start, item.itemType])).toEqual([
      ['2026-12-07T08:00:00.000Z', 'Occurrence'],
      ['2026-12-09T08:00:00.000Z', 'Occurrence'],
      ['2026-12-14T08:00:00.000Z', 'Occurrence'],
      ['2026-12-16T08:00:00.000Z', 'Occurrence'],
      ['2026-12-21T08:00:00.000Z', 'Occurrence'],
      ['2026-12-23T08:00:00.000Z', 'Occurrence'],
    ]);
    expect(new Set(items.map((item) => item.itemId)).size).toBe(6);
    expect(items.map((item) => item.itemId)).not.toContain(master.itemId);
    expect(new Set(items.map((item) => item.iCalUid))).toEqual(new Set([master.uid]));
  });

  it('shows a moved occurrence as an Exception at its new time and leaves out a deleted one', async () => {
    const master = standup();
    simulator.calendars.moveOccurrence(ALICE, master.itemId, 2, {
      start: '2026-12-10T13:00:00.000Z',
      end: '2026-12-10T14:00:00.000Z',
    });
    simulator.calendars.deleteOccurrence(ALICE, master.itemId, 3);

    const items = await readCalendarView(connection(), ALICE, DECEMBER);

    expect(items.map((item) => [item.start, item.end, item.itemType])).toEqual([
      ['2026-12-07T08:00:00.000Z', '2026-12-07T08:30:00.000Z', 'Occurrence'],
      ['2026-12-10T13:00:00.000Z', '2026-12-10T14:00:00.000Z', 'Exception'],
      ['2026-12-16T08:00:00.000Z', '2026-12-16T08:30:00.000Z', 'Occurrence'],
      ['2026-12-21T08:00:00.000Z', '2026-12-21T08:30:00.000Z', 'Occurrence'],
      ['2026-12-23T08:00:00.000Z', '2026-12-23T08:30:00.000Z', 'Occurrence'],
    ]);
  });

  it('finds an exception moved into the window from an occurrence outside it', async () => {
    const master = standup();
    simulator.calendars.moveOccurrence(ALICE, master.itemId, 6, {
      start: '2026-12-08T10:00:00.000Z',
      end: '2026-12-08T11:00:00.000Z',
    });

    const items = await readCalendarView(connection(), ALICE, {
      start: '2026-12-07T00:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });

    expect(items.map((item) => [item.start, item.itemType])).toEqual([
      ['2026-12-07T08:00:00.000Z', 'Occurrence'],
      ['2026-12-08T10:00:00.000Z', 'Exception'],
    ]);
  });

  it('gives an occurrence the same ItemId on every read, also once it is an exception', async () => {
    const master = standup();
    const first = await readCalendarView(connection(), ALICE, DECEMBER);
    const second = await readCalendarView(connection(), ALICE, DECEMBER);
    simulator.calendars.moveOccurrence(ALICE, master.itemId, 1, {
      start: '2026-12-07T09:00:00.000Z',
      end: '2026-12-07T09:30:00.000Z',
    });
    const third = await readCalendarView(connection(), ALICE, DECEMBER);

    expect(second.map((item) => item.itemId)).toEqual(first.map((item) => item.itemId));
    expect(third.map((item) => item.itemId)).toEqual(first.map((item) => item.itemId));
    expect(third[0]?.changeKey).not.toBe(first[0]?.changeKey);
  });

  it('expands a daily series with an interval up to its end date, keeping Stockholm wall time over no DST', async () => {
    simulator.calendars.addSeries(ALICE, {
      subject: 'Every other day',
      start: '2026-12-01T07:00:00.000Z',
      end: '2026-12-01T07:15:00.000Z',
      recurrence: {
        pattern: { kind: 'daily', interval: 2 },
        range: { kind: 'endDate', endDate: '2026-12-07' },
        timeZone: 'Europe/Stockholm',
      },
    });

    const items = await readCalendarView(connection(), ALICE, DECEMBER);

    expect(items.map((item) => item.start)).toEqual([
      '2026-12-01T07:00:00.000Z',
      '2026-12-03T07:00:00.000Z',
      '2026-12-05T07:00:00.000Z',
      '2026-12-07T07:00:00.000Z',
    ]);
  });

  it('keeps the wall-clock time of a weekly series across the spring DST change', async () => {
    simulator.calendars.addSeries(ALICE, {
      subject: 'Weekly',
      start: '2027-03-22T08:00:00.000Z',
      end: '2027-03-22T09:00:00.000Z',
      recurrence: {
        pattern: { kind: 'weekly', interval: 1, daysOfWeek: ['Monday'] },
        range: { kind: 'noEnd' },
        timeZone: 'Europe/Stockholm',
      },
    });

    const items = await readCalendarView(connection(), ALICE, {
      start: '2027-03-20T00:00:00.000Z',
      end: '2027-04-03T00:00:00.000Z',
    });

    // 09:00 CET, then 09:00 CEST after 28 March.
    expect(items.map((item) => item.start)).toEqual(['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z']);
  });

  it('reads an occurrence as an entry of its series, and a single item with none', async () => {
    const master = standup();
    const single = simulator.calendars.add(ALICE, {
      subject: 'Lunch',
      start: '2026-12-08T11:00:00.000Z',
      end: '2026-12-08T12:00:00.000Z',
    });

    const entries = (
      await readCalendarView(connection(), ALICE, { start: DECEMBER.start, end: '2026-12-09T00:00:00.000Z' })
    ).map((item) => entryFromEwsItem(item, 'Europe/Stockholm'));

    expect(entries.map((entry) => [entry.kind, entry.seriesMasterId])).toEqual([
      ['occurrence', master.uid],
      ['singleInstance', undefined],
    ]);
    expect(entries[1]?.id).toBe(single.itemId);
  });
});

describe('changing single items in the simulator', () => {
  it('update changes the ChangeKey and the values; remove takes the item out', async () => {
    const item = simulator.calendars.add(ALICE, {
      subject: 'Before',
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T10:00:00.000Z',
    });
    const changeKey = item.changeKey;

    const updated = simulator.calendars.update(ALICE, item.itemId, { subject: 'After', freeBusy: 'OOF' });
    const afterUpdate = await readCalendarView(connection(), ALICE, DECEMBER);
    const removed = simulator.calendars.remove(ALICE, item.itemId);
    const afterRemove = await readCalendarView(connection(), ALICE, DECEMBER);

    expect(updated?.changeKey).not.toBe(changeKey);
    expect(afterUpdate.map((read) => [read.itemId, read.changeKey, read.subject, read.freeBusy])).toEqual([
      [item.itemId, updated?.changeKey, 'After', 'OOF'],
    ]);
    expect(removed).toBe(true);
    expect(afterRemove).toEqual([]);
    expect(simulator.calendars.update(ALICE, 'no-such-id', { subject: 'x' })).toBeUndefined();
  });
});
