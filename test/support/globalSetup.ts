// One in-memory Azurite for the whole run. Jest hands `process.env` set here
// to every worker; the handle stays on globalThis for globalTeardown, which
// runs in this same context.

import { type AzuriteTables, startAzuriteTables } from '../../dev/azurite';

export default async function globalSetup(): Promise<void> {
  const azurite = await startAzuriteTables();
  process.env.TEST_TABLES_CONNECTION_STRING = azurite.connectionString;
  process.env.TEST_TABLES_ENDPOINT = azurite.endpoint;
  (globalThis as { azuriteTables?: AzuriteTables }).azuriteTables = azurite;
}
