import type { AzuriteTables } from '../../dev/azurite';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { azuriteTables?: AzuriteTables };
  await holder.azuriteTables?.stop();
  holder.azuriteTables = undefined;
}
