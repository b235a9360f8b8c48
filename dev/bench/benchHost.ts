import { addUser } from '../../shared/onboarding/userProvisioning';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../localHost/demoTenant';
import { type LocalHost, startLocalHost } from '../localHost/localHost';
import { inParallel } from './percentiles';
import { countTableRequests, type TableRequestCounter } from './tableRequestCounter';

export interface BenchHost {
  host: LocalHost;
  tables: TableRequestCounter;
  /** Graph requests the service made since the last reset, and which of them were delta reads. */
  graph: { total: number; delta: number; reset(): void };
  coalesceSeconds: number;
  stop(): Promise<void>;
}

/** The local host (simulator, PBX sink, in-process queues) on the bench's Azurite, its Graph and Table traffic counted. */
export async function startBenchHost(
  tablesConnectionString: string,
  coalesceSeconds: number,
): Promise<BenchHost> {
  const tables = await countTableRequests(tablesConnectionString);
  const graph = {
    total: 0,
    delta: 0,
    reset() {
      graph.total = 0;
      graph.delta = 0;
    },
  };
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString: tables.connectionString,
    tablePrefix: `bench${Date.now().toString(36)}`,
    coalesceSeconds,
    log: () => undefined,
    onGraphRequest: (_method, url) => {
      graph.total++;
      if (url.includes('calendarView/delta')) graph.delta++;
    },
  });
  await host.settle();
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
}

/** Mailboxes in the simulator's tenant, each with `events` future events, not yet known to the service. */
export function addMailboxes(host: LocalHost, prefix: string, count: number, events: number): BenchUser[] {
  const base = Math.ceil(host.runtime.now().getTime() / 3_600_000) * 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const id = `00000000-0000-4000-b000-${prefix}${String(i).padStart(12 - prefix.length, '0')}`;
    const address = `${prefix}bench${i}@contoso.example`;
    host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: address, mail: address });
    for (let e = 0; e < events; e++) {
      // Half-hour events every 40 minutes from the next hour on: well inside the 14-day window.
      const start = new Date(base + 3_600_000 + e * 40 * 60_000);
      const end = new Date(start.getTime() + 30 * 60_000);
      host.simulator.createEvent(id, {
        subject: `Bench ${e}`,
        showAs: e % 3 === 0 ? 'oof' : 'busy',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
    }
    return { id, address };
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
