// Azurite's table service, run inside this process: the local host and the
// tests get a real Table Storage API without Docker or a second process that
// could outlive its parent.
//
// Azurite's package root pulls in VS Code, so we load its table server module
// directly. That module ships no type declarations; the shapes below are the
// few members we use.

import type { Server } from 'node:http';

interface AzuriteTableConfiguration {
  readonly __brand: 'AzuriteTableConfiguration';
}

type AzuriteTableConfigurationConstructor = new (
  host: string,
  port: number,
  keepAliveTimeoutSeconds: number,
  metadataDbPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
) => AzuriteTableConfiguration;

interface AzuriteTableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
  /** stoppable-wrapped http.Server; `close()` does not wait for it to stop listening. */
  readonly httpServer: Server;
}

type AzuriteTableServerConstructor = new (configuration: AzuriteTableConfiguration) => AzuriteTableServer;

interface AzuriteTelemetry {
  enableTelemetry: boolean;
}

/** The published Azurite development account; not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteTables {
  connectionString: string;
  /** Account URL, e.g. http://127.0.0.1:51234/devstoreaccount1 */
  endpoint: string;
  /** Resolves once the port is closed. */
  stop(): Promise<void>;
}

function loadAzurite(): {
  TableServer: AzuriteTableServerConstructor;
  TableConfiguration: AzuriteTableConfigurationConstructor;
} {
  // Telemetry only starts when Azurite's CLI calls init(); turning the switch off as well means a
  // future Azurite that traces per request still sends nothing from here.
  const telemetry = require('azurite/dist/src/common/Telemetry') as {
    AzuriteTelemetryClient: AzuriteTelemetry;
  };
  telemetry.AzuriteTelemetryClient.enableTelemetry = false;
  const server = require('azurite/dist/src/table/TableServer') as { default: AzuriteTableServerConstructor };
  const configuration = require('azurite/dist/src/table/TableConfiguration') as {
    default: AzuriteTableConfigurationConstructor;
  };
  return { TableServer: server.default, TableConfiguration: configuration.default };
}

/** Starts the table service in memory on 127.0.0.1; port 0 (the default) lets the OS pick a free one. */
export async function startAzuriteTables(options: { port?: number } = {}): Promise<AzuriteTables> {
  const { TableServer, TableConfiguration } = loadAzurite();
  const configuration = new TableConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    5,
    // Only a name for Loki's in-memory adapter: nothing is written to disk.
    'azurite-tables-in-memory.json',
    false,
    false,
    undefined,
    undefined,
    false,
    // Newer SDKs send API versions this Azurite may not list yet.
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new TableServer(configuration);
  await server.start();

  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') {
    await server.close();
    throw new Error('Azurite table service did not report a TCP port');
  }
  const endpoint = `http://127.0.0.1:${address.port}/${DEV_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    `TableEndpoint=${endpoint};`;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve, reject) => {
      server.httpServer.once('close', () => resolve());
      server.close().catch(reject);
    });
    return stopped;
  };

  return { connectionString, endpoint, stop };
}
