// The dashboard's Table reads are bounded by the integration's own rows: a
// neighbour with ten times the users and subscriptions must not make a small
// integration's dashboard read more. Counted on the wire, through the
// benchmark's proxy in front of Azurite.

import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { inProcessDeadLetters } from '../../dev/localHost/inProcessDeadLetters';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { dashboardFor } from '../../shared/management/dashboard';
import type { Repositories } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const NOW = new Date('2026-11-25T10:00:00Z');
const SMALL_USERS = 4;

describe('dashboard reads', () => {
  let tables: TableRequestCounter;
  let repos: Repositories;
  const queue = createInProcessQueue();

  beforeAll(async () => {
    tables = await countTableRequests(testTablesConnectionString());
    repos = await createTableRepositories({
      connectionString: tables.connectionString,
      tablePrefix: uniqueTablePrefix(),
    });
  });

  afterAll(async () => {
    queue.close();
    await tables.stop();
  });

  async function addIntegration(id: string, users: number, from = 0): Promise<void> {
    if (from === 0) {
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
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
    }
    for (let n = from; n < users; n++) {
      const userId = `${id}-user-${n}`;
      const subscriptionId = `${id}-sub-${n}`;
      await repos.users.upsert({
        integrationId: id,
        id: userId,
        email: `${userId}@example.com`,
        timeZone: 'Europe/Stockholm',
        status: 'ok',
        lastSyncAt: new Date(NOW.getTime() - n * 60_000).toISOString(),
        createdAt: NOW.toISOString(),
        subscriptionId,
      });
      await repos.subscriptions.upsert({
        subscriptionId,
        integrationId: id,
        userId,
        clientState: 'x',
        resource: `/users/${userId}/events`,
        // Every other one due within the renewal margin.
        expiresAt: new Date(NOW.getTime() + (n % 2 === 0 ? 30 : 5000) * 60_000).toISOString(),
      });
    }
  }

  async function smallDashboard() {
    tables.reset();
    const figures = await dashboardFor('small', {
      repos,
      now: () => NOW,
      queueStatistics: inProcessQueueStatistics(queue),
      deadLetters: inProcessDeadLetters(queue, () => NOW),
      log: silentLogger,
      expiringWithinMinutes: 1440,
    });
    return { figures, requests: tables.count(), entities: tables.entities() };
  }

  it("reads the small integration's own rows, however large its neighbour grows", async () => {
    await addIntegration('small', SMALL_USERS);
    await addIntegration('large', 4 * SMALL_USERS);
    // The one-off copy of older subscriptions (none here) is not what this test measures.
    await repos.subscriptions.ensureIntegrationIndex();
    const before = await smallDashboard();

    await addIntegration('large', 40 * SMALL_USERS, 4 * SMALL_USERS);
    const after = await smallDashboard();

    expect(after.figures).toEqual(before.figures);
    expect(before.figures).toMatchObject({
      kind: 'ok',
      value: { users: { total: SMALL_USERS }, subscriptions: { expiringSoon: SMALL_USERS / 2, missing: 0 } },
    });
    // The integration row, its users and its subscriptions: nothing of the neighbour's.
    expect(after.entities).toBe(1 + SMALL_USERS + SMALL_USERS);
    expect(after.entities).toBe(before.entities);
    expect(after.requests).toBe(before.requests);
  });
});
