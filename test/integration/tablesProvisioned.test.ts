import { TableServiceClient } from '@azure/data-tables';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { loadConfig } from '../../shared/config';
import { createRuntime } from '../../shared/runtime';
import { TABLE_NAMES } from '../../shared/storage/tableClients';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

// Where the deployment created the tables (STORAGE_TABLES_PROVISIONED=true,
// set by the Bicep), start-up sends Table Storage nothing: no create-table
// round trips before the first notification after a scale-out is answered.
// Locally and in tests the runtime still creates what is missing.

async function tablesWithPrefix(prefix: string): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(testTablesConnectionString(), {
    allowInsecureConnection: true,
  });
  const names: string[] = [];
  for await (const table of service.listTables()) {
    if (table.name?.startsWith(prefix)) names.push(table.name);
  }
  return names.sort();
}

async function startRuntime(tablePrefix: string, settings: Record<string, string>) {
  const queue = createInProcessQueue();
  const config = loadConfig({
    PUBLIC_BASE_URL: 'http://127.0.0.1:7071',
    GRAPH_CLIENT_ID: 'app',
    GRAPH_CLIENT_SECRET: 'secret',
    TABLES_CONNECTION_STRING: testTablesConnectionString(),
    TABLE_PREFIX: tablePrefix,
    QUEUE_MODE: 'in-process',
    ...settings,
  });
  const runtime = await createRuntime(config, {
    queue,
    queueStatistics: inProcessQueueStatistics(queue),
    secrets: createMemorySecretStore(),
  });
  return { runtime, close: () => queue.close() };
}

describe('tables at start-up', () => {
  it('creates no table when the deployment provisioned them', async () => {
    const prefix = uniqueTablePrefix();
    const { close } = await startRuntime(prefix, { STORAGE_TABLES_PROVISIONED: 'true' });
    await close();
    expect(await tablesWithPrefix(prefix)).toEqual([]);
  });

  it('creates every missing table when nothing says they exist (local host, tests)', async () => {
    const prefix = uniqueTablePrefix();
    const { runtime, close } = await startRuntime(prefix, {});
    try {
      expect(await tablesWithPrefix(prefix)).toEqual(TABLE_NAMES.map((name) => `${prefix}${name}`).sort());
      expect(await runtime.repos.integrations.list()).toEqual([]);
    } finally {
      await close();
    }
  });
});
