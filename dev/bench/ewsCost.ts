// EWS requests of Exchange Server integrations, counted where the service
// sends them (the runtime's onEwsRequest), against the EWS simulator.
//
// First sync of N mailboxes with M items each: every mailbox is one paged
// CalendarView. A page holds DELTA_PAGE_SIZE items, and the next page starts
// at the last item's start (CalendarView has no offset, ewsCalendarReader.ts),
// so that item comes again: ⌈(M − 1) / (P − 1)⌉ pages for M > P, one otherwise.
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../localHost/demoTenant';
import { createExchangeServerIntegration } from '../localHost/exchangeServerSeed';
import { type LocalHost, startLocalHost } from '../localHost/localHost';

export interface EwsFirstSync {
  users: number;
  itemsPerUser: number;
  ewsRequests: number;
  bound: number;
  webhooks: number;
  wallMs: number;
}

export function calendarViewPages(items: number, pageSize: number): number {
  return items <= pageSize ? 1 : Math.ceil((items - 1) / (pageSize - 1));
}

export async function startEwsBenchHost(tablesConnectionString: string, coalesceSeconds: number) {
  const counter = { requests: 0 };
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString,
    tablePrefix: `benchews${Date.now().toString(36)}`,
    coalesceSeconds,
    log: () => undefined,
    onEwsRequest: () => {
      counter.requests++;
    },
  });
  await host.settle();
  return { host, counter };
}

export async function measureEwsFirstSync(
  host: LocalHost,
  counter: { requests: number },
  users: number,
  itemsPerUser: number,
): Promise<EwsFirstSync> {
  const account = { userName: 'BENCH\\svc-ews', password: 'bench-password' };
  host.ews.directory.addAccount({ ...account, impersonation: true });
  const base = Math.ceil(host.runtime.now().getTime() / 3_600_000) * 3_600_000;
  const mailboxes = Array.from({ length: users }, (_, i) => `ewsbench${i}@tailspin.example`);
  for (const mailbox of mailboxes) {
    host.ews.directory.addMailbox(mailbox);
    for (let e = 0; e < itemsPerUser; e++) {
      const start = new Date(base + 3_600_000 + e * 40 * 60_000);
      host.ews.calendars.add(mailbox, {
        subject: `Visit ${e}`,
        freeBusy: 'Busy',
        start: start.toISOString(),
        end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      });
    }
  }
  const webhooksBefore = host.sink?.snapshots.length ?? 0;
  counter.requests = 0;
  const started = performance.now();
  await createExchangeServerIntegration(host.runtime, {
    id: 'bench-onprem',
    name: 'Bench (Exchange Server)',
    ewsUrl: host.ews.url,
    ...account,
    authentication: 'basic',
    accessMode: 'impersonation',
    timeZone: 'Europe/Stockholm',
    pbxUrl: host.sink?.url ?? '',
    pbxSecretName: `pbx-${DEMO_INTEGRATION_ID}`,
    mailboxes,
    log: silentLogger,
  });
  await host.settle();
  const wallMs = performance.now() - started;
  return {
    users,
    itemsPerUser,
    ewsRequests: counter.requests,
    bound: users * calendarViewPages(itemsPerUser, host.runtime.config.DELTA_PAGE_SIZE),
    webhooks: (host.sink?.snapshots.length ?? 0) - webhooksBefore,
    wallMs,
  };
}
