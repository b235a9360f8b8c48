import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { inProcessDeadLetters } from '../../dev/localHost/inProcessDeadLetters';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import type { Logger } from '../../shared/logger';
import { dashboardFor } from '../../shared/management/dashboard';
import { type Outcome, ok } from '../../shared/outcome';
import { unreadableDeadLetters } from '../../shared/queue/serviceBusDeadLetters';
import {
  type QueueAdministrationClientLike,
  serviceBusQueueStatistics,
} from '../../shared/queue/serviceBusQueueStatistics';
import { assembleRuntime, useRuntime } from '../../shared/runtime';
import type { UserRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { setStatusRules } from '../support/statusRules';
import { createTestRepositories } from '../support/tables';
import { managementClient } from './managementClient';

/** Shaped like ServiceBusAdministrationClient: fixed counters, or the SDK's error without the Manage right. */
function fakeAdministrationClient(
  answer: { active: number; scheduled: number; deadLetter: number } | 'unauthorized',
) {
  const asked: string[] = [];
  const client: QueueAdministrationClientLike = {
    async getQueueRuntimeProperties(queueName) {
      asked.push(queueName);
      if (answer === 'unauthorized') {
        throw Object.assign(
          new Error(
            "Unauthorized access. 'Manage,EntityRead' claim(s) are required to perform this operation. " +
              "Resource: 'sb://contoso-prod.servicebus.windows.net/deliveries'. TrackingId:4f1c2b7e",
          ),
          { name: 'RestError', code: 'UnauthorizedRequestError', statusCode: 401 },
        );
      }
      return {
        activeMessageCount: answer.active,
        scheduledMessageCount: answer.scheduled,
        deadLetterMessageCount: answer.deadLetter,
      };
    },
  };
  return { client, asked };
}

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

  it('counts users, unreadable mailboxes, subscriptions and the deliveries queue', async () => {
    const queue = createInProcessQueue();
    await queue.send('deliveries', [
      { body: {}, messageId: 'm1' },
      { body: {}, messageId: 'm2', scheduledEnqueueTime: new Date(Date.now() + 3_600_000) },
    ]);
    const figures = await dashboardFor('acme', {
      repos,
      now: () => now,
      queueStatistics: inProcessQueueStatistics(queue),
      deadLetters: inProcessDeadLetters(queue, () => now),
      log: silentLogger,
      expiringWithinMinutes: 1440,
    });
    queue.close();
    expect(figures).toEqual(
      ok({
        integrationId: 'acme',
        kind: 'microsoft365',
        active: true,
        consentState: 'granted',
        consentMode: 'scoped',
        lastSyncAt: minutesAgo(5),
        users: { total: 5, updatedLastHour: 2, neverUpdated: 1, inError: 2, pendingConsent: 1 },
        unreadableMailboxes: ['outside@acme.example'],
        subscriptions: { expiringSoon: 1, missing: 2 },
        deliveries: { available: true, active: 1, scheduled: 1, deadLettered: 0 },
        deadLetters: {
          sync: { count: 0, recent: { available: true, letters: [] } },
          deliveries: { count: 0, recent: { available: true, letters: [] } },
        },
      }),
    );
  });

  it('reads the deliveries queue from Service Bus, and says why when it may not', async () => {
    const counted = fakeAdministrationClient({ active: 4, scheduled: 9, deadLetter: 2 });
    const figures = await dashboardFor('acme', {
      repos,
      now: () => now,
      queueStatistics: serviceBusQueueStatistics(counted.client),
      deadLetters: unreadableDeadLetters('not read here'),
      log: silentLogger,
      expiringWithinMinutes: 1440,
    });
    expect(figuresOf(figures).deliveries).toEqual({
      available: true,
      active: 4,
      scheduled: 9,
      deadLettered: 2,
    });
    // The sync queue is counted for its dead letters.
    expect(counted.asked).toEqual(['deliveries', 'sync']);

    const refused = fakeAdministrationClient('unauthorized');
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const withoutManage = await dashboardFor('acme', {
      repos,
      now: () => now,
      queueStatistics: serviceBusQueueStatistics(refused.client),
      deadLetters: unreadableDeadLetters('not read here'),
      log,
      expiringWithinMinutes: 1440,
    });
    expect(figuresOf(withoutManage).deliveries).toEqual({
      available: false,
      reason: 'not allowed: reading queue statistics needs the Manage right on Service Bus',
    });
    // The other figures do not depend on the queue.
    expect(figuresOf(withoutManage).users.total).toBe(5);
    expect(warnings).toEqual(['queue statistics unavailable', 'queue statistics unavailable']);

    const unknown = fakeAdministrationClient({ active: 0, scheduled: 0, deadLetter: 0 });
    expect(
      await dashboardFor('nobody', {
        repos,
        now: () => now,
        queueStatistics: serviceBusQueueStatistics(unknown.client),
        deadLetters: unreadableDeadLetters('not read here'),
        log: silentLogger,
        expiringWithinMinutes: 1,
      }),
    ).toEqual({ kind: 'notFound', reason: 'no integration nobody' });
    expect(unknown.asked).toEqual([]);
  });
});

/**
 * The dashboard route of the local host, whose runtime carries the in-process
 * statistics, and the same route with the Service Bus adapter swapped in: one
 * queue state, the same figures from both sources.
 */
describe('dashboard route and its queue statistics', () => {
  let manage: ReturnType<typeof managementClient>;
  const dashboardPath = `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`;

  // The first retry an hour out: it stays scheduled for the whole test.
  const host = useTestHost({ settings: { PBX_RETRY_SCHEDULE_SECONDS: '0,3600' } });
  beforeAll(async () => {
    manage = managementClient(host);
    await settle(host);
    // The absence's webhook alone: with statuses on, its status would wait for a retry beside it.
    await setStatusRules(host, DEMO_INTEGRATION_ID, { send: false });
  });

  afterEach(() => useRuntime(host.runtime));

  it('shows one webhook scheduled for its retry, from the in-process queue and from Service Bus alike', async () => {
    host.sink?.setBehaviour({ down: true });
    const graph = await graphAs(host);
    const slot = hourFromNow(3);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Offsite',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);

    const local = await manage('GET', dashboardPath);
    expect(local.status).toBe(200);
    expect((local.json as { deliveries: unknown }).deliveries).toEqual({
      available: true,
      active: 0,
      scheduled: 1,
      deadLettered: 0,
    });

    // What Service Bus reports for that state: nothing active, one scheduled message, no dead letters.
    const serviceBus = fakeAdministrationClient({ active: 0, scheduled: 1, deadLetter: 0 });
    useRuntime(
      assembleRuntime({ ...host.runtime, queueStatistics: serviceBusQueueStatistics(serviceBus.client) }),
    );
    const inAzure = await manage('GET', dashboardPath);
    expect(inAzure.status).toBe(200);
    expect(inAzure.json).toEqual(local.json);
    expect(serviceBus.asked).toEqual(['deliveries', 'sync']);
  });

  it('answers 200 with the figures unavailable when Service Bus refuses, and logs one warning', async () => {
    const refused = fakeAdministrationClient('unauthorized');
    useRuntime(
      assembleRuntime({ ...host.runtime, queueStatistics: serviceBusQueueStatistics(refused.client) }),
    );
    const logged = host.logs.length;
    const answer = await manage('GET', dashboardPath);

    expect(answer.status).toBe(200);
    const body = answer.json as { deliveries: unknown; users: { total: number } };
    expect(body.deliveries).toEqual({
      available: false,
      reason: 'not allowed: reading queue statistics needs the Manage right on Service Bus',
    });
    expect(body.users.total).toBe(DEMO_USERS.length);
    expect(answer.text).not.toMatch(/sb:\/\/|TrackingId|EntityRead/);
    const warnings = host.logs.slice(logged).filter((line) => line.includes('queue statistics unavailable'));
    // One per queue: deliveries, and sync for its dead-letter count.
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/\[manageDashboard\] warning: .*"status":401/);
  });
});

function figuresOf<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected figures, got ${outcome.kind}: ${outcome.reason}`);
  return outcome.value;
}
