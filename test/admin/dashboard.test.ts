import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { dashboardFor, queueDeliveryStats } from '../../shared/management/dashboard';
import type { UserRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';

/** The figures an operator sees for one integration, computed from the tables. */
describe('dashboard', () => {
  let repos: Repositories;
  const now = new Date('2026-11-25T10:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
  const minutesAhead = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();

  beforeAll(async () => {
    repos = await createTestRepositories();
    await repos.integrations.create({
      id: 'acme',
      name: 'Acme',
      active: true,
      tenantId: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      consentState: 'granted',
      consentMode: 'scoped',
      pendingUsers: [{ address: 'new@acme.example' }, { address: 'gone@acme.example', problem: 'unknown' }],
      pbxUrl: 'https://pbx.example/hook',
      pbxSecretName: 'pbx-acme',
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: minutesAgo(1000),
      updatedAt: minutesAgo(1000),
    });
    const user = (id: string, fields: Partial<UserRecord>): UserRecord => ({
      integrationId: 'acme',
      id,
      email: `${id}@acme.example`,
      timeZone: 'Europe/Stockholm',
      status: 'ok',
      createdAt: minutesAgo(1000),
      subscriptionId: `sub-${id}`,
      ...fields,
    });
    for (const u of [
      user('fresh', { lastSyncAt: minutesAgo(5) }),
      user('stale', { lastSyncAt: minutesAgo(300) }),
      user('never', { status: 'neverSynced' }),
      user('outside', { status: 'error', lastError: 'Graph 403 accessDenied', lastSyncAt: minutesAgo(400) }),
      user('broken', {
        status: 'error',
        lastError: 'Graph 500 other',
        lastSyncAt: minutesAgo(20),
        subscriptionId: undefined,
      }),
    ]) {
      await repos.users.upsert(u);
    }
    const subscription = (userId: string, expiresAt: string) => ({
      subscriptionId: `sub-${userId}`,
      integrationId: 'acme',
      userId,
      clientState: 'x',
      resource: `/users/${userId}/events`,
      expiresAt,
    });
    await repos.subscriptions.upsert(subscription('fresh', minutesAhead(5000)));
    await repos.subscriptions.upsert(subscription('stale', minutesAhead(30)));
    await repos.subscriptions.upsert(subscription('never', minutesAhead(5000)));
    await repos.subscriptions.upsert(subscription('outside', minutesAgo(1)));
  });

  it('counts users, unreadable mailboxes, subscriptions and deliveries', async () => {
    const queue = createInProcessQueue();
    await queue.send('deliveries', [{ body: {}, messageId: 'm1' }]);
    const figures = await dashboardFor('acme', {
      repos,
      now: () => now,
      deliveryStats: queueDeliveryStats(queue),
      expiringWithinMinutes: 1440,
    });
    queue.close();
    expect(figures).toEqual({
      integrationId: 'acme',
      active: true,
      consentState: 'granted',
      consentMode: 'scoped',
      lastSyncAt: minutesAgo(5),
      users: { total: 5, updatedLastHour: 2, neverUpdated: 1, inError: 2, pendingConsent: 1 },
      unreadableMailboxes: ['outside@acme.example'],
      subscriptions: { expiringSoon: 1, missing: 2 },
      deliveries: { pending: 1, deadLettered: 0, scope: 'deployment' },
    });
  });

  it('has no delivery figures where the queue cannot count (Service Bus sender)', async () => {
    const figures = await dashboardFor('acme', {
      repos,
      now: () => now,
      deliveryStats: queueDeliveryStats({ send: async () => undefined }),
      expiringWithinMinutes: 1440,
    });
    expect(figures?.deliveries).toBeNull();
    expect(
      await dashboardFor('nobody', {
        repos,
        now: () => now,
        deliveryStats: queueDeliveryStats({ send: async () => undefined }),
        expiringWithinMinutes: 1,
      }),
    ).toBeUndefined();
  });
});
