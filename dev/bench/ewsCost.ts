// EWS requests of Exchange Server integrations, counted where the service
// sends them (the runtime's onEwsRequest), against the EWS simulator.
//
// First sync of N mailboxes with M items each: every mailbox is one paged
// CalendarView. A page holds DELTA_PAGE_SIZE items, and the next page starts
// at the last item's start (CalendarView has no offset, ewsCalendarReader.ts),
// so that item comes again: ⌈(M − 1) / (P − 1)⌉ pages for M > P, one otherwise.
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { syncWindowFor } from '../../shared/domain/syncWindow';
import { readCalendarView } from '../../shared/exchange/ewsCalendarReader';
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

const BENCH_ACCOUNT = { userName: 'BENCH\\svc-ews', password: 'bench-password' };

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
  const account = BENCH_ACCOUNT;
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

export interface EwsBurst {
  changes: number;
  coalesceSeconds: number;
  /** Whether every notification reached the service inside the bucket the burst began in. */
  insideOneBucket: boolean;
  /** SendNotification POSTs carrying events, and the events in them, from the simulator's push log. */
  notifications: number;
  notifiedEvents: number;
  ewsRequests: number;
  calendarViewRounds: number;
  /** Leading round and the bucket's follow-up, each one paged CalendarView of the window. */
  bound: number;
  /** A client that does not coalesce, run after ours: one whole-window CalendarView per notified event, its requests counted. */
  naive: number;
  lastWebhookMs: number;
}

/**
 * A burst of K new Busy items in one mailbox, placed inside one coalescing
 * bucket as the Graph burst bench places its own: the push notifications
 * (several events each) ask for syncs, the first bucket's leading sync reads
 * at once and the rest fold into its follow-up. Each sync is one whole-window
 * CalendarView, so the bound is two rounds of the pages the window holds.
 * Runs after `measureEwsFirstSync`, whose mailboxes hold push subscriptions.
 */
export async function measureEwsBurst(
  host: LocalHost,
  counter: { requests: number },
  mailbox: string,
  itemsBefore: number,
  changes: number,
  coalesceSeconds: number,
): Promise<EwsBurst> {
  const sink = host.sink;
  if (!sink) throw new Error('the EWS burst bench needs the built-in PBX sink');
  const bucketMs = Math.max(1, Math.round(coalesceSeconds * 1000));
  const now = host.runtime.now().getTime();
  const bucketStart = (Math.floor(now / bucketMs) + 2) * bucketMs;
  await sleep(bucketStart + bucketMs * 0.05 - now);
  const attemptsBefore = host.ews.push.attempts.length;
  const requestsBefore = host.ews.requests.length;
  counter.requests = 0;
  const base = Math.ceil(host.runtime.now().getTime() / 3_600_000) * 3_600_000 + 200 * 3_600_000;
  const ids: string[] = [];
  const started = performance.now();
  for (let i = 0; i < changes; i++) {
    const start = new Date(base + i * 3_600_000);
    const item = host.ews.calendars.add(mailbox, {
      subject: `Burst ${i}`,
      freeBusy: 'OOF',
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 60_000).toISOString(),
    });
    ids.push(absenceIdFor(item.itemId));
  }
  await host.ews.push.idle();
  const insideOneBucket = host.runtime.now().getTime() < bucketStart + bucketMs;
  await sink.waitFor((s) => ids.every((id) => s.state().has(id)), 60_000);
  const lastWebhookMs = performance.now() - started;
  await host.settle();
  const sent = host.ews.push.attempts.slice(attemptsBefore).filter((a) => a.kind === 'events');
  const rounds = host.ews.requests
    .slice(requestsBefore)
    .filter((r) => r.operation === 'FindItem' && r.mailbox?.toLowerCase() === mailbox.toLowerCase());
  const pages = calendarViewPages(itemsBefore + changes, host.runtime.config.DELTA_PAGE_SIZE);
  const notifiedEvents = sent.reduce((sum, a) => sum + a.events, 0);
  const naive = { requests: 0 };
  const window = syncWindowFor(host.runtime.now(), 14);
  for (let i = 0; i < notifiedEvents; i++) {
    await readCalendarView(
      { url: host.ews.url, ...BENCH_ACCOUNT, authentication: 'basic', accessMode: 'impersonation' },
      mailbox,
      window,
      host.runtime.config.DELTA_PAGE_SIZE,
      () => {
        naive.requests++;
      },
    );
  }
  return {
    changes,
    coalesceSeconds,
    insideOneBucket,
    notifications: sent.length,
    notifiedEvents,
    ewsRequests: counter.requests,
    calendarViewRounds: rounds.length / pages,
    bound: 2 * pages,
    naive: naive.requests,
    lastWebhookMs,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
