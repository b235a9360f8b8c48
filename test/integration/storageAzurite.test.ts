import { connect } from 'node:net';
import { TableClient } from '@azure/data-tables';
import { startAzuriteTables } from '../../dev/azurite';
import { testTablesConnectionString } from '../support/tables';

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('startAzuriteTables', () => {
  it('starts a second in-memory instance on its own port and is gone after stop', async () => {
    const sharedPort = portOf(
      /TableEndpoint=([^;]+)/.exec(testTablesConnectionString())?.[1] ?? 'http://127.0.0.1:0',
    );
    const azurite = await startAzuriteTables();
    const port = portOf(azurite.endpoint);
    expect(azurite.endpoint).toBe(`http://127.0.0.1:${port}/devstoreaccount1`);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(sharedPort);
    expect(azurite.connectionString).toContain(`TableEndpoint=${azurite.endpoint};`);

    const table = TableClient.fromConnectionString(azurite.connectionString, 'harness', {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    await expect(table.getEntity('p', 'r')).resolves.toMatchObject({ value: 42 });

    await azurite.stop();
    await expect(connectionRefused(port)).resolves.toBe(true);
    // Stopping twice is harmless: teardown paths may race.
    await expect(azurite.stop()).resolves.toBeUndefined();
  });
});
