// Folder-permission mode: the service account holds Reviewer on each
// Calendar folder and Exchange offers no push notifications to a delegate,
// so the exchangePoll timer reads each mailbox; the diff sends only changes.
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { createExchangeServerIntegration } from '../../dev/localHost/exchangeServerSeed';
import { settle, useTestHost } from '../support/localHostHarness';

const INTEGRATION = 'onprem-reviewer';
const HANNA = 'hanna@northwind.example';
const IVAR = 'ivar@northwind.example';

function hoursFromNow(hours: number): { start: string; end: string } {
  const start = new Date(Date.now() + hours * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() };
}

describe('an Exchange Server integration in folder-permission mode', () => {
  const host = useTestHost();
  const findItems = () => host.ews.requests.filter((request) => request.operation === 'FindItem');

  beforeAll(async () => {
    host.ews.directory.addMailbox(HANNA);
    host.ews.directory.addMailbox(IVAR);
    host.ews.directory.addAccount({
      userName: 'NORTHWIND\\svc-reviewer',
      password: 'rev-pass',
      reviewerOn: [HANNA, IVAR],
    });
    await createExchangeServerIntegration(host.runtime, {
      id: INTEGRATION,
      name: 'Northwind (Reviewer)',
      ewsUrl: host.ews.url,
      userName: 'NORTHWIND\\svc-reviewer',
      password: 'rev-pass',
      authentication: 'basic',
      accessMode: 'folderPermission',
      timeZone: 'Europe/Stockholm',
      pbxUrl: host.sink!.url,
      pbxSecretName: `pbx-${DEMO_INTEGRATION_ID}`,
      mailboxes: [HANNA, IVAR],
      log: silentLogger,
    });
    await settle(host);
  });

  it('reads the mailboxes as a delegate, without impersonation', () => {
    const reads = findItems().filter((read) => read.mailbox === HANNA || read.mailbox === IVAR);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.every((read) => read.impersonated === undefined)).toBe(true);
  });

  it('finds a change on the next poll, once per mailbox however many instances poll the slot', async () => {
    const slot = hoursFromNow(3);
    host.ews.calendars.add(HANNA, { subject: 'Site visit', freeBusy: 'Busy', ...slot });
    const before = findItems().length;
    await host.runTimer('exchangePoll');
    await host.runTimer('exchangePoll');
    await settle(host);
    expect(findItems().length - before).toBe(2);
    const told = host.sink!.received.filter(
      (webhook) => webhook.event.type === 'absence.upserted' && webhook.event.data.user.id === HANNA,
    );
    expect(
      told.map((webhook) => webhook.event.type === 'absence.upserted' && webhook.event.data.absence.start),
    ).toEqual([slot.start]);
  });
});
