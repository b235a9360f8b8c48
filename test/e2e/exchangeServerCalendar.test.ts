// The calendar cases of issue 18 through the real client library and the EWS
// simulator, in both ways a customer connects: impersonation with NTLM
// (change detection by push) and folder permission with Basic (polled).
// Every webhook is verified by the sink (standardwebhooks), and the PBX's
// state must end exactly as the calendar is.
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { createExchangeServerIntegration } from '../../dev/localHost/exchangeServerSeed';
import type { ExchangeAccessMode, ExchangeAuthentication } from '../../shared/storage/records';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { settle, type TestHost, useTestHost } from '../support/localHostHarness';

interface Mode {
  accessMode: ExchangeAccessMode;
  authentication: ExchangeAuthentication;
  /** What makes the service look at the mailbox after a change in this mode. */
  notice(host: TestHost, integrationId: string, userId: string): Promise<void>;
}

const MODES: Array<[string, Mode]> = [
  [
    'impersonation with NTLM',
    {
      accessMode: 'impersonation',
      authentication: 'ntlm',
      async notice(host, integrationId, userId) {
        const now = new Date();
        await host.queue.send('sync', [
          syncMessageAt({ integrationId, userId, cause: 'notification' }, now, now),
        ]);
        await settle(host);
      },
    },
  ],
  [
    'folder permission with Basic',
    {
      accessMode: 'folderPermission',
      authentication: 'basic',
      async notice(host) {
        // The next poll: one slot later (a poll queues each mailbox once per slot).
        host.simulator.clock.advance(5 * 60_000);
        await host.runTimer('exchangePoll');
        await settle(host);
      },
    },
  ],
];

/** A whole hour `hours` from now, as UTC instants. */
function hoursFromNow(hours: number, lengthHours = 1): { start: string; end: string } {
  const start = new Date(Date.now() + hours * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  return {
    start: start.toISOString(),
    end: new Date(start.getTime() + lengthHours * 3_600_000).toISOString(),
  };
}

describe.each(MODES)('an Exchange Server calendar, %s', (_name, mode) => {
  const host = useTestHost();
  const integrationId = `onprem-${mode.accessMode}`;
  const mailbox = `${mode.accessMode.toLowerCase()}.user@tailspin.example`;
  const account = `TAILSPIN\\svc-${mode.accessMode}`;
  const userId = mailbox.toLowerCase();
  const notice = () => mode.notice(host, integrationId, userId);
  const told = () => host.sink!.received.filter((webhook) => webhook.event.data.user.id === userId);
  /** The PBX's view of this user: start–end of every absence it holds. */
  const pbxState = () =>
    [...host.sink!.state().values()]
      .filter((absence) => absence.userEmail.toLowerCase() === userId)
      .map((absence) => `${absence.start}/${absence.end}`)
      .sort();

  beforeAll(async () => {
    host.ews.directory.addMailbox(mailbox);
    host.ews.directory.addAccount({
      userName: account,
      password: 'a long service password',
      ...(mode.accessMode === 'impersonation' ? { impersonation: true } : { reviewerOn: [mailbox] }),
    });
    await createExchangeServerIntegration(host.runtime, {
      id: integrationId,
      name: `Tailspin (${mode.accessMode})`,
      ewsUrl: host.ews.url,
      userName: account,
      password: 'a long service password',
      authentication: mode.authentication,
      accessMode: mode.accessMode,
      timeZone: 'Europe/Stockholm',
      pbxUrl: host.sink!.url,
      pbxSecretName: `pbx-${DEMO_INTEGRATION_ID}`,
      mailboxes: [mailbox],
      log: silentLogger,
    });
    await settle(host);
  });

  it('authenticates the way the integration says', () => {
    const ours = host.ews.requests.filter((request) => request.account === account);
    expect(ours.length).toBeGreaterThan(0);
    expect(new Set(ours.map((request) => request.authentication))).toEqual(new Set([mode.authentication]));
    // ResolveNames searches the directory as the service account itself; what reads a mailbox impersonates in that mode.
    const mailboxCalls = ours.filter((request) => request.operation !== 'ResolveNames');
    expect(new Set(mailboxCalls.map((request) => request.impersonated !== undefined))).toEqual(
      new Set([mode.accessMode === 'impersonation']),
    );
  });

  it('asked Exchange which mailbox the address is before adding the user', () => {
    const lookups = host.ews.requests.filter(
      (request) => request.account === account && request.operation === 'ResolveNames',
    );
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.impersonated).toBeUndefined();
  });

  let itemId = '';
  let firstVersion = 0;

  it('creates: a Busy item becomes a verified absence.upserted', async () => {
    const slot = hoursFromNow(2);
    itemId = host.ews.calendars.add(mailbox, { subject: 'Customer visit', freeBusy: 'Busy', ...slot }).itemId;
    await notice();
    const events = told().map((webhook) => webhook.event);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.type).toBe('absence.upserted');
    if (event.type !== 'absence.upserted') return;
    expect(event.data.absence).toMatchObject({ start: slot.start, end: slot.end, reason: { code: 'busy' } });
    firstVersion = event.data.absence.version;
  });

  it('moves: a new time is an absence.upserted with a higher version', async () => {
    const slot = hoursFromNow(4);
    host.ews.calendars.update(mailbox, itemId, slot);
    await notice();
    const event = told().at(-1)!.event;
    expect(event.type).toBe('absence.upserted');
    if (event.type !== 'absence.upserted') return;
    expect(event.data.absence.start).toBe(slot.start);
    expect(event.data.absence.version).toBeGreaterThan(firstVersion);
  });

  it('deletes: a removed item is an absence.deleted', async () => {
    host.ews.calendars.remove(mailbox, itemId);
    await notice();
    expect(told().at(-1)!.event.type).toBe('absence.deleted');
    expect(pbxState()).toEqual([]);
  });

  it('ends exact for a daily series with one occurrence moved and one deleted', async () => {
    const first = hoursFromNow(24 + 6);
    const master = host.ews.calendars.addSeries(mailbox, {
      subject: 'Stand-up',
      freeBusy: 'Busy',
      ...first,
      recurrence: {
        pattern: { kind: 'daily', interval: 1 },
        range: { kind: 'numbered', numberOfOccurrences: 5 },
      },
    });
    await notice();
    const day = 86_400_000;
    const at = (index: number) => ({
      start: new Date(Date.parse(first.start) + (index - 1) * day).toISOString(),
      end: new Date(Date.parse(first.end) + (index - 1) * day).toISOString(),
    });
    expect(pbxState()).toEqual([1, 2, 3, 4, 5].map((i) => `${at(i).start}/${at(i).end}`).sort());

    const moved = {
      start: new Date(Date.parse(at(2).start) + 2 * 3_600_000).toISOString(),
      end: new Date(Date.parse(at(2).end) + 2 * 3_600_000).toISOString(),
    };
    host.ews.calendars.moveOccurrence(mailbox, master.itemId, 2, moved);
    host.ews.calendars.deleteOccurrence(mailbox, master.itemId, 4);
    await notice();
    expect(pbxState()).toEqual(
      [
        `${at(1).start}/${at(1).end}`,
        `${moved.start}/${moved.end}`,
        `${at(3).start}/${at(3).end}`,
        `${at(5).start}/${at(5).end}`,
      ].sort(),
    );
  });

  it('keeps private items to themselves: no subject in any webhook or log line', async () => {
    host.ews.calendars.add(mailbox, {
      subject: 'Divorce lawyer',
      freeBusy: 'OOF',
      sensitivity: 'Private',
      ...hoursFromNow(30),
    });
    await notice();
    expect(JSON.stringify(host.sink!.received)).not.toContain('Divorce');
    expect(JSON.stringify(host.sink!.snapshots)).not.toContain('Divorce');
    expect(host.logs.join('\n')).not.toContain('Divorce');
    expect(host.logs.join('\n')).not.toContain('a long service password');
  });
});
