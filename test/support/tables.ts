import { randomBytes } from 'node:crypto';
import type { Repositories } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';

/** The Azurite that test/support/globalSetup.ts started for this run. */
export function testTablesConnectionString(): string {
  const connectionString = process.env.TEST_TABLES_CONNECTION_STRING;
  if (!connectionString) {
    throw new Error(
      'TEST_TABLES_CONNECTION_STRING is not set: run tests through jest, whose globalSetup starts Azurite',
    );
  }
  return connectionString;
}

/**
 * A table prefix no other test file uses, so files running in parallel never
 * share tables: a letter and 19 hex digits (letters and digits only, as the
 * TABLE_PREFIX setting requires).
 */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(10).toString('hex').slice(0, 19)}`;
}

/** Repositories on fresh tables of the shared Azurite. */
export function createTestRepositories(tablePrefix: string = uniqueTablePrefix()): Promise<Repositories> {
  return createTableRepositories({ connectionString: testTablesConnectionString(), tablePrefix });
}
