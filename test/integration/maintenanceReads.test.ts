// The maintenance run reads by key: one query of each integration's
// subscriptions, and retention purged through each integration's delivery log
// partition and each user's absence partition, never by a query that spans a
// whole table. Counted on the wire, through the benchmark's proxy in front of
// Azurite.

import type { TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import type { LocalHost } from '../../dev/localHost/localHost';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import type { AbsenceRecord } from '../../shared/storage/records';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { startCountedHost } from '../support/countedHost';

const DAY = 24 * 3_600_000;
const BULK_USERS = 12;

describe('maintenance reads', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;

  beforeAll(async () => {
    ({ tables, host } = await startCountedHost());
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  it('queries subscriptions once per integration and purges retention partition by partition', async () => {
    const { repos } = host.runtime;
    const now = host.runtime.now().getTime();
    // A second integration awaiting consent: not maintained, but its rows still age out.
    await repos.integrations.create({
      id: 'bulk',
      name: 'Bulk',
      active: true,
      consentState: 'pending',
      pbxUrl: 'https://pbx.example/hook',
      pbxSecretName: 'pbx-bulk',
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    });
    const absence = (userId: string, id: string, endedDaysAgo: number): AbsenceRecord => ({
      id,
      eventId: `event-${id}`,
      integrationId: 'bulk',
      userId,
      start: new Date(now - endedDaysAgo * DAY - 3_600_000).toISOString(),
      end: new Date(now - endedDaysAgo * DAY).toISOString(),
      reason: { code: 'busy', name: 'Busy' },
      callHandling: 'information',
      version: 1,
      deleted: false,
      updatedAt: new Date(now).toISOString(),
    });
    for (let n = 0; n < BULK_USERS; n++) {
      const userId = `bulk-${n}`;
      await repos.users.upsert({
        integrationId: 'bulk',
        id: userId,
        email: `${userId}@bulk.example`,
        timeZone: 'UTC',
        status: 'neverSynced',
        createdAt: new Date(now).toISOString(),
      });
      await repos.absences.upsertMany([absence(userId, 'old', 31), absence(userId, 'young', 29)]);
    }
    await repos.deliveries.record({
      integrationId: 'bulk',
      webhookId: 'msg_old',
      type: 'absence.upserted',
      userId: 'bulk-0',
      state: 'delivered',
      attempts: 1,
      updatedAt: new Date(now - 31 * DAY).toISOString(),
    });
    // The one-off copy of subscriptions stored before the copies existed is not what this counts.
    await repos.subscriptions.ensureIntegrationIndex();

    tables.reset();
    const report = await runMaintenance(host.runtime.maintenance(silentLogger));
    expect(report.errors).toEqual([]);
    expect(report.skippedIntegrations).toBe(1);

    const queries = (table: string) => new RegExp(`/[^/]*${table}\\(\\)\\?`);
    const keyed = (table: string) => new RegExp(`/[^/]*${table}\\(\\)\\?.*PartitionKey%20eq`);
    // The maintained integration's subscriptions, in one query of its partition.
    expect(tables.count(queries('Subscriptions'))).toBe(1);
    expect(tables.count(keyed('Subscriptions'))).toBe(1);
    // One query per user's absences, one per integration's delivery log; none spanning the table.
    const demoUsers = (await repos.users.listByIntegration(DEMO_INTEGRATION_ID)).length;
    expect(tables.count(queries('Absences'))).toBe(BULK_USERS + demoUsers);
    expect(tables.count(keyed('Absences'))).toBe(BULK_USERS + demoUsers);
    expect(tables.count(queries('Deliveries'))).toBe(2);
    expect(tables.count(keyed('Deliveries'))).toBe(2);

    expect(report.purgedAbsences).toBe(BULK_USERS);
    expect(report.purgedDeliveries).toBe(1);
    for (let n = 0; n < BULK_USERS; n++) {
      const left = await repos.absences.listForUser('bulk', `bulk-${n}`);
      expect(left.map((a) => a.id)).toEqual(['young']);
    }
    expect(await repos.deliveries.get('bulk', 'msg_old')).toBeUndefined();
  });
});
