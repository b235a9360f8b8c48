// Table reads of the off-hot-path work that once scanned whole tables: one
// small integration's dashboard beside a neighbour ten times its size,
// against the list-all-then-filter it replaced (the same reads run on the
// same data, not a formula).

import { presetRuleSet } from '../../shared/domain/rules/presets';
import { dashboardFor } from '../../shared/management/dashboard';
import type { Repositories } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { silentLogger } from '../localHost/consoleLogger';
import { inProcessDeadLetters } from '../localHost/inProcessDeadLetters';
import { createInProcessQueue } from '../localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../localHost/inProcessQueueStatistics';
import { countTableRequests } from './tableRequestCounter';

export interface ScanCost {
  smallUsers: number;
  largeUsers: number;
  /** Entities and requests of the small integration's dashboard. */
  ours: { entities: number; requests: number };
  /** The same figures through the former reads: its users, then every subscription of the deployment. */
  naive: { entities: number; requests: number };
  /** What the small integration owns: its row, its users, its subscriptions. */
  bound: number;
}

const WRITES_IN_FLIGHT = 16;

export async function measureScanCost(
  smallUsers: number,
  neighbourFactor: number,
  tablesConnectionString: string,
): Promise<ScanCost> {
  const tables = await countTableRequests(tablesConnectionString);
  try {
    const repos = await createTableRepositories({
      connectionString: tables.connectionString,
      tablePrefix: `scan${Date.now().toString(36)}`,
    });
    const now = new Date();
    const largeUsers = smallUsers * neighbourFactor;
    await addIntegration(repos, 'small', smallUsers, now);
    await addIntegration(repos, 'large', largeUsers, now);
    await repos.subscriptions.ensureIntegrationIndex();

    const queue = createInProcessQueue();
    tables.reset();
    const figures = await dashboardFor('small', {
      repos,
      now: () => now,
      queueStatistics: inProcessQueueStatistics(queue),
      deadLetters: inProcessDeadLetters(queue, () => now),
      log: silentLogger,
      expiringWithinMinutes: 1440,
    });
    queue.close();
    if (figures.kind !== 'ok' || figures.value.users.total !== smallUsers)
      throw new Error('the dashboard did not count the small integration');
    const ours = { entities: tables.entities(), requests: tables.count() };

    tables.reset();
    await repos.integrations.get('small');
    await repos.users.listByIntegration('small');
    (await repos.subscriptions.list()).filter((s) => s.integrationId === 'small');
    const naive = { entities: tables.entities(), requests: tables.count() };
    return { smallUsers, largeUsers, ours, naive, bound: 1 + 2 * smallUsers };
  } finally {
    await tables.stop();
  }
}

async function addIntegration(repos: Repositories, id: string, users: number, now: Date): Promise<void> {
  await repos.integrations.create({
    id,
    name: id,
    active: true,
    tenantId: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    consentState: 'granted',
    pbxUrl: 'https://pbx.example/hook',
    pbxSecretName: `pbx-${id}`,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
  let next = 0;
  const writer = async () => {
    while (next < users) {
      const n = next++;
      const userId = `${id}-user-${n}`;
      await repos.users.upsert({
        integrationId: id,
        id: userId,
        email: `${userId}@example.com`,
        timeZone: 'UTC',
        status: 'ok',
        lastSyncAt: now.toISOString(),
        createdAt: now.toISOString(),
        subscriptionId: `${id}-sub-${n}`,
      });
      await repos.subscriptions.upsert({
        subscriptionId: `${id}-sub-${n}`,
        integrationId: id,
        userId,
        clientState: 'x',
        resource: `/users/${userId}/events`,
        expiresAt: new Date(now.getTime() + 3 * 86_400_000).toISOString(),
      });
    }
  };
  await Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, writer));
}
