import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

export interface TableConnection {
  /** Azurite locally (or a storage account key); preferred when both are given. */
  connectionString?: string;
  /** Account URL reached with `credential` (the managed identity in Azure). */
  endpoint?: string;
  credential?: TokenCredential;
  /** Letters and digits; lets tests and side-by-side deployments share one account. */
  tablePrefix: string;
  /** Needed for a bearer token over http (Azurite with OAuth); never in Azure. */
  allowInsecureConnection?: boolean;
  /** False when the deployment created the tables: no request at all before the first read. */
  createMissing?: boolean;
}

export const TABLE_NAMES = [
  'Integrations',
  'Users',
  'Subscriptions',
  'Absences',
  'Deliveries',
  'ConsentLinks',
  'Bookings',
  'BookingLog',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];
export type TableClients = Record<TableName, TableClient>;

const TABLE_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,19}$/;

function isHttp(url: string): boolean {
  return url.toLowerCase().startsWith('http:');
}

function tableEndpointOf(connectionString: string): string | undefined {
  return /(?:^|;)\s*TableEndpoint=([^;]+)/i.exec(connectionString)?.[1]?.trim();
}

function clientFor(connection: TableConnection, tableName: string): TableClient {
  if (connection.connectionString) {
    const endpoint = tableEndpointOf(connection.connectionString);
    // The SDK's HTTP runtime refuses plain http unless told otherwise, and only
    // `UseDevelopmentStorage=true` sets the flag by itself; Azurite's endpoint is http.
    const allowInsecureConnection =
      connection.allowInsecureConnection ?? (endpoint !== undefined && isHttp(endpoint));
    return TableClient.fromConnectionString(connection.connectionString, tableName, {
      allowInsecureConnection,
    });
  }
  if (connection.endpoint && connection.credential) {
    return new TableClient(connection.endpoint, tableName, connection.credential, {
      allowInsecureConnection: connection.allowInsecureConnection ?? false,
    });
  }
  throw new Error('Table Storage needs a connection string, or an endpoint and a credential');
}

/**
 * One client per table, each table created when missing (creating an existing
 * one is not an error) unless `createMissing` is false.
 */
export async function createTableClients(connection: TableConnection): Promise<TableClients> {
  if (!TABLE_PREFIX.test(connection.tablePrefix)) {
    throw new Error('The table prefix must be 1-20 letters and digits, starting with a letter');
  }
  const clients = Object.fromEntries(
    TABLE_NAMES.map((name) => [name, clientFor(connection, `${connection.tablePrefix}${name}`)]),
  ) as TableClients;
  if (connection.createMissing !== false) {
    // Every creation settles before a failure is reported, so a start that
    // failed (Tables out of reach) leaves no retries running behind it while
    // the next invocation starts again.
    const created = await Promise.allSettled(TABLE_NAMES.map((name) => clients[name].createTable()));
    const failed = created.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return clients;
}
