// Mailboxes in other languages: the Calendar folder has a localised name,
// Reviewer is granted on that name as Add-MailboxFolderPermission takes it,
// and the reader's distinguished folder id "calendar" finds it regardless.
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import { type EwsConnection, EwsFailure, readCalendarView } from '../../shared/exchange/ewsCalendarReader';

const WINDOW = { start: '2026-12-01T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z' };
const ALICE = 'alice@contoso.example';

let simulator: EwsSimulator;

beforeEach(async () => {
  simulator = await startEwsSimulator();
});

afterEach(() => simulator.close());

function reviewerWith(reviewerOn: string[]): EwsConnection {
  simulator.directory.addAccount({
    userName: 'svc-reviewer@contoso.example',
    password: 'rev-pass',
    reviewerOn,
  });
  return {
    url: simulator.url,
    userName: 'svc-reviewer@contoso.example',
    password: 'rev-pass',
    authentication: 'basic',
    accessMode: 'folderPermission',
  };
}

async function failureOf(read: Promise<unknown>): Promise<EwsFailure> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EwsFailure);
  return error as EwsFailure;
}

describe('a mailbox’s language', () => {
  it.each([
    ['sv-SE', 'Kalender'],
    ['de-DE', 'Kalender'],
    ['fr-FR', 'Calendrier'],
    ['en-GB', 'Calendar'],
  ])('names the Calendar folder of a %s mailbox %s', (language, name) => {
    simulator.directory.addMailbox(ALICE, { language });

    expect(simulator.directory.calendarFolderName(ALICE)).toBe(name);
  });

  it('is English unless told', () => {
    simulator.directory.addMailbox(ALICE);

    expect(simulator.directory.calendarFolderName(ALICE)).toBe('Calendar');
  });
});

describe('Reviewer on a localised Calendar folder', () => {
  beforeEach(() => {
    simulator.directory.addMailbox(ALICE, { language: 'sv-SE' });
    simulator.calendars.add(ALICE, {
      subject: 'Tandläkare',
      start: '2026-12-03T09:00:00.000Z',
      end: '2026-12-03T10:00:00.000Z',
    });
  });

  it('granted on alice:\\Kalender reads the Swedish calendar through DistinguishedFolderId "calendar"', async () => {
    const items = await readCalendarView(reviewerWith([`${ALICE}:\\Kalender`]), ALICE, WINDOW);

    expect(items.map((item) => item.subject)).toEqual(['Tandläkare']);
  });

  it('matches the folder name case-insensitively, as Exchange does', async () => {
    const items = await readCalendarView(reviewerWith([`${ALICE.toUpperCase()}:\\kalender`]), ALICE, WINDOW);

    expect(items).toHaveLength(1);
  });

  it('granted on the English name alice:\\Calendar grants nothing: ErrorAccessDenied', async () => {
    const failure = await failureOf(readCalendarView(reviewerWith([`${ALICE}:\\Calendar`]), ALICE, WINDOW));

    expect([failure.kind, failure.code]).toEqual(['accessDenied', 'ErrorAccessDenied']);
  });

  it('granted on another folder of the mailbox grants nothing for the calendar', async () => {
    const failure = await failureOf(readCalendarView(reviewerWith([`${ALICE}:\\Inkorg`]), ALICE, WINDOW));

    expect(failure.kind).toBe('accessDenied');
  });

  it('granted as a plain address still reads, whatever the folder is called', async () => {
    const items = await readCalendarView(reviewerWith([ALICE]), ALICE, WINDOW);

    expect(items).toHaveLength(1);
  });
});
