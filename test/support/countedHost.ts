import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { type LocalHost, startLocalHost } from '../../dev/localHost/localHost';
import { settle } from './localHostHarness';
import { testTablesConnectionString, uniqueTablePrefix } from './tables';

/**
 * A local host whose Table Storage requests go through a counter in front of
 * the shared Azurite, on tables of its own. Its maintenance timer stays out of
 * the way (an hour), so what a test counts is its own doing.
 */
export async function startCountedHost(): Promise<{ tables: TableRequestCounter; host: LocalHost }> {
  const tables = await countTableRequests(testTablesConnectionString());
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString: tables.connectionString,
    tablePrefix: uniqueTablePrefix(),
    coalesceSeconds: 0.2,
    timerIntervalMs: 3_600_000,
    log: () => undefined,
  });
  await settle(host);
  return { tables, host };
}
