import { addUser } from '../../shared/onboarding/userProvisioning';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../localHost/demoTenant';
import { type LocalHost, type LocalHostOptions, startLocalHost } from '../localHost/localHost';
import { countDeltaRounds } from './deltaRounds';
import { inParallel } from './percentiles';
import { countTableRequests, type TableRequestCounter } from './tableRequestCounter';

export interface BenchHost {
  host: LocalHost;
  tables: TableRequestCounter;
  /** Graph requests the service made since the last reset: all, delta pages, and the delta rounds they form. */
  graph: { total: number; delta: number; rounds: number; reset(): void };
  coalesceSeconds: number;
  stop(): Promise<void>;
}

/** The local host (simulator, PBX sink, in-process queues) on the bench's Azurite, its Graph and Table traffic counted. */
export async function startBenchHost(
  tablesConnectionString: string,
  coalesceSeconds: number,
  options: Pick<LocalHostOptions, 'serviceBus'> & { settle?: boolean } = {},
): Promise<BenchHost> {
  const tables = await countTableRequests(tablesConnectionString);
  const counter = countDeltaRounds();
  const graph = {
    get total() {
      return counter.total;
    },
    get delta() {
      return counter.pages;
    },
    get rounds() {
      return counter.rounds;
    },
    reset: () => counter.reset(),
  };
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString: tables.connectionString,
    tablePrefix: `bench${Date.now().toString(36)}`,
    coalesceSeconds,
    log: () => undefined,
    onGraphRequest: (_method, url) => counter.add(url),
    ...(options.serviceBus ? { serviceBus: options.serviceBus } : {}),
  });
  if (options.settle !== false) await host.settle();
  return {
    host,
    tables,
    graph,
    coalesceSeconds,
    async stop() {
      await host.stop();
      await tables.stop();
    },
  };
}

export interface BenchUser {
  id: string;
  address: string;
  /** The simulator's ids of the events made for it (what a naive reader GETs one by one). */
  eventIds: string[];
}

/** Mailboxes in the simulator's tenant, each with `events` future events, not yet known to the service. */
export function addMailboxes(host: LocalHost, prefix: string, count: number, events: number): BenchUser[] {
  const base = Math.ceil(host.runtime.now().getTime() / 3_600_000) * 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const id = `00000000-0000-4000-b000-${prefix}${String(i).padStart(12 - prefix.length, '0')}`;
    const address = `${prefix}bench${i}@contoso.example`;
    host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: address, mail: address });
    const eventIds: string[] = [];
    for (let e = 0; e < events; e++) {
      // Half-hour events every 40 minutes from the next hour on: well inside the 14-day window.
      const start = new Date(base + 3_600_000 + e * 40 * 60_000);
      const end = new Date(start.getTime() + 30 * 60_000);
      const created = host.simulator.createEvent(id, {
        subject: `Bench ${e}`,
        showAs: e % 3 === 0 ? 'oof' : 'busy',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
      eventIds.push(created.id);
    }
    return { id, address, eventIds };
  });
}

/** Adds the mailboxes through the service, as the management API does (lookup, subscription, first sync queued). */
export async function provision(host: LocalHost, users: readonly BenchUser[]): Promise<void> {
  await inParallel(users.length, 8, async (i) => {
    const result = await addUser(
      DEMO_INTEGRATION_ID,
      users[i]!.address,
      host.runtime.onboarding(silentLogger),
    );
    if (result.kind !== 'added') throw new Error(`${users[i]!.address}: ${result.reason}`);
  });
}
