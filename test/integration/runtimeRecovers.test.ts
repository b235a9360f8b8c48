import { createServer } from 'node:net';
import { type AzuriteTables, startAzuriteTables } from '../../dev/azurite';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { loadConfig } from '../../shared/config';
import { createRuntime, type Runtime, startedOnce } from '../../shared/runtime';
import { uniqueTablePrefix } from '../support/tables';

// On a fresh `azd up` the first invocations can find Table Storage out of
// reach (the identity's role assignments are still applying). The worker must
// not keep that failed start: once Tables answer, the next invocation starts
// the runtime again and works. Here Tables are really unreachable at first
// (nothing listens on the port), then Azurite comes up on that very port.

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

describe('the runtime start after Tables were unreachable', () => {
  const queue = createInProcessQueue();
  let tables: AzuriteTables | undefined;

  afterAll(async () => {
    await queue.close();
    await tables?.stop();
  });

  it('fails while nothing answers, then starts on the next call once Tables are up', async () => {
    const port = await freePort();
    const connectionString =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
      'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
      `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const config = loadConfig({
      PUBLIC_BASE_URL: 'http://127.0.0.1:7071',
      GRAPH_CLIENT_ID: 'app',
      GRAPH_CLIENT_SECRET: 'secret',
      TABLES_CONNECTION_STRING: connectionString,
      TABLE_PREFIX: uniqueTablePrefix(),
      QUEUE_MODE: 'in-process',
    });
    let starts = 0;
    // The same sharing getRuntime() uses for the app settings' runtime.
    const getRuntime = startedOnce((): Promise<Runtime> => {
      starts++;
      return createRuntime(config, {
        queue,
        queueStatistics: inProcessQueueStatistics(queue),
        secrets: createMemorySecretStore(),
      });
    });

    await expect(getRuntime()).rejects.toThrow();
    tables = await startAzuriteTables({ port });
    const runtime = await getRuntime();
    expect(starts).toBe(2);
    // The tables it created on the second start are there and usable.
    expect(await runtime.repos.integrations.list()).toEqual([]);
    expect(await getRuntime()).toBe(runtime);
    expect(starts).toBe(2);
  }, 60_000);
});
