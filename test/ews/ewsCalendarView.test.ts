// The EWS adapter and the real ews-javascript-api against the EWS simulator
// over loopback: both access modes, refused credentials and rights, and a
// CalendarView larger than one page.
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import { type EwsConnection, EwsFailure, readCalendarView } from '../../shared/exchange/ewsCalendarReader';

const WINDOW = { start: '2026-12-01T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z' };
const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';

let simulator: EwsSimulator;

beforeEach(async () => {
  simulator = await startEwsSimulator();
  simulator.directory.addMailbox(ALICE);
  simulator.directory.addMailbox(BOB);
  simulator.directory.addAccount({
    userName: 'svc-impersonation@contoso.example',
    password: 'imp-pass',
    impersonation: true,
  });
  simulator.directory.addAccount({
    userName: 'CONTOSO\\svc-reviewer',
    password: 'rev-pass',
    reviewerOn: [BOB],
  });
});

afterEach(() => simulator.close());

const impersonation = (): EwsConnection => ({
  url: simulator.url,
  userName: 'svc-impersonation@contoso.example',
  password: 'imp-pass',
  authentication: 'basic',
  accessMode: 'impersonation',
});
const reviewer = (): EwsConnection => ({
  url: simulator.url,
  userName: 'CONTOSO\\svc-reviewer',
  password: 'rev-pass',
  authentication: 'basic',
  accessMode: 'folderPermission',
});

async function failureOf(read: Promise<unknown>): Promise<EwsFailure> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EwsFailure);
  return error as EwsFailure;
}

describe('reading a calendar over EWS', () => {
  it('finds a Busy item with its properties in impersonation mode, sending RequestServerVersion', async () => {
    const stored = simulator.calendars.add(ALICE, {
      subject: 'Dentist & <lunch>',
      start: '2026-12-03T09:00:00.000Z',
      end: '2026-12-03T10:30:00.000Z',
      freeBusy: 'Busy',
      sensitivity: 'Private',
      categories: ['Away', 'Health'],
      myResponse: 'Accept',
    });
    simulator.calendars.add(ALICE, {
      subject: 'outside',
      start: '2026-12-20T09:00:00.000Z',
      end: '2026-12-20T10:00:00.000Z',
    });
    simulator.calendars.add(BOB, {
      subject: 'not hers',
      start: '2026-12-03T09:00:00.000Z',
      end: '2026-12-03T10:00:00.000Z',
    });

    const items = await readCalendarView(impersonation(), ALICE, WINDOW);

    expect(items).toEqual([
      {
        itemId: stored.itemId,
        changeKey: stored.changeKey,
        itemType: 'Single',
        subject: 'Dentist & <lunch>',
        start: '2026-12-03T09:00:00.000Z',
        end: '2026-12-03T10:30:00.000Z',
        freeBusy: 'Busy',
        sensitivity: 'Private',
        categories: ['Away', 'Health'],
        isAllDay: false,
        isCancelled: false,
        myResponse: 'Accept',
        iCalUid: stored.uid,
      },
    ]);
    expect(simulator.requests).toEqual([
      {
        operation: 'FindItem',
        account: 'svc-impersonation@contoso.example',
        authentication: 'basic',
        serverVersion: 'Exchange2016',
        impersonated: ALICE,
        mailbox: ALICE,
      },
    ]);
  });

  it('reads the statuses, all-day, cancelled and declined flags as stored', async () => {
    const statuses = ['Free', 'Tentative', 'Busy', 'OOF', 'WorkingElsewhere', 'NoData'] as const;
    statuses.forEach((freeBusy, day) => {
      simulator.calendars.add(ALICE, {
        subject: freeBusy,
        start: `2026-12-0${day + 2}T00:00:00.000Z`,
        end: `2026-12-0${day + 3}T00:00:00.000Z`,
        freeBusy,
        isAllDay: freeBusy === 'OOF',
        isCancelled: freeBusy === 'Free',
        myResponse: freeBusy === 'Tentative' ? 'Decline' : 'Organizer',
      });
    });

    const items = await readCalendarView(impersonation(), ALICE, WINDOW);

    expect(items.map((item) => [item.freeBusy, item.isAllDay, item.isCancelled, item.myResponse])).toEqual([
      ['Free', false, true, 'Organizer'],
      ['Tentative', false, false, 'Decline'],
      ['Busy', false, false, 'Organizer'],
      ['OOF', true, false, 'Organizer'],
      ['WorkingElsewhere', false, false, 'Organizer'],
      ['NoData', false, false, 'Organizer'],
    ]);
  });

  it("reads another mailbox's calendar through Reviewer permission in folder-permission mode", async () => {
    const stored = simulator.calendars.add(BOB, {
      subject: 'Offsite',
      start: '2026-12-04T08:00:00.000Z',
      end: '2026-12-04T16:00:00.000Z',
    });

    const items = await readCalendarView(reviewer(), BOB, WINDOW);

    expect(items.map((item) => item.itemId)).toEqual([stored.itemId]);
    expect(simulator.requests.map((request) => [request.impersonated, request.mailbox])).toEqual([
      [undefined, BOB],
    ]);
  });

  it('is refused a calendar without Reviewer on it: ErrorAccessDenied', async () => {
    simulator.calendars.add(ALICE, {
      subject: 'hidden',
      start: '2026-12-04T08:00:00.000Z',
      end: '2026-12-04T09:00:00.000Z',
    });

    const failure = await failureOf(readCalendarView(reviewer(), ALICE, WINDOW));

    expect([failure.kind, failure.code]).toEqual(['accessDenied', 'ErrorAccessDenied']);
  });

  it("turns the library's 401 for a wrong password into credentialsRejected", async () => {
    const failure = await failureOf(
      readCalendarView({ ...impersonation(), password: 'old-pass' }, ALICE, WINDOW),
    );

    expect(failure.kind).toBe('credentialsRejected');
    expect(simulator.requests).toEqual([]);
  });

  it('is refused impersonation without the ApplicationImpersonation role: ErrorImpersonateUserDenied', async () => {
    const failure = await failureOf(
      readCalendarView({ ...reviewer(), accessMode: 'impersonation' }, BOB, WINDOW),
    );

    expect([failure.kind, failure.code]).toEqual(['impersonationDenied', 'ErrorImpersonateUserDenied']);
  });

  it('pages a CalendarView with more items than MaxEntriesReturned and returns each item once', async () => {
    const stored = Array.from({ length: 7 }, (_, index) =>
      simulator.calendars.add(ALICE, {
        subject: `meeting ${index}`,
        start: `2026-12-0${2 + Math.floor(index / 2)}T0${index % 2 === 0 ? 8 : 9}:00:00.000Z`,
        end: `2026-12-0${2 + Math.floor(index / 2)}T10:00:00.000Z`,
      }),
    );

    const items = await readCalendarView(impersonation(), ALICE, WINDOW, 3);

    expect(items.map((item) => item.itemId).sort()).toEqual(stored.map((item) => item.itemId).sort());
    expect(simulator.requests.length).toBeGreaterThan(2);
  });
});

describe('RequestServerVersion at the simulator', () => {
  const findItem = (header: string) =>
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
    `<soap:Header>${header}</soap:Header><soap:Body><m:FindItem Traversal="Shallow">` +
    `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
    `<m:CalendarView StartDate="${WINDOW.start}" EndDate="${WINDOW.end}"/>` +
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem></soap:Body></soap:Envelope>`;
  const post = (body: string) =>
    fetch(simulator.url, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        authorization: `Basic ${Buffer.from('CONTOSO\\svc-reviewer:rev-pass').toString('base64')}`,
      },
      body,
    });

  it('refuses a version it does not know with ErrorInvalidServerVersion', async () => {
    const reply = await post(findItem('<t:RequestServerVersion Version="Exchange2099"/>'));

    expect(reply.status).toBe(500);
    expect(await reply.text()).toContain(
      '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorInvalidServerVersion</e:ResponseCode>',
    );
    expect(simulator.requests).toEqual([]);
  });

  it('answers a request without the header as Exchange 2007, as Exchange does', async () => {
    simulator.directory.addMailbox('CONTOSO\\svc-reviewer');

    const reply = await post(findItem(''));

    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('<m:ResponseCode>NoError</m:ResponseCode>');
    expect(simulator.requests.map((request) => request.serverVersion)).toEqual(['Exchange2007']);
  });
});

describe('ErrorServerBusy from Exchange', () => {
  it('turns ErrorServerBusy into a throttled failure with Exchange’s back-off, and reads once it passes', async () => {
    simulator.calendars.add(ALICE, {
      subject: 'Busy',
      start: '2026-12-03T09:00:00.000Z',
      end: '2026-12-03T10:00:00.000Z',
      freeBusy: 'Busy',
    });
    simulator.serverBusyNext(1, 2500);
    const failure = await failureOf(readCalendarView(impersonation(), ALICE, WINDOW));
    expect(failure).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterSeconds: 3 });
    const items = await readCalendarView(impersonation(), ALICE, WINDOW);
    expect(items.map((item) => item.subject)).toEqual(['Busy']);
  });
});
