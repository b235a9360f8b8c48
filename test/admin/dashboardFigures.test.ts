// The dashboard reads by key (an integration's own partitions, its
// subscriptions through their copies in its partition). Its figures must be
// what a reading of everything gives: the same scenario, computed here a
// second way, by scanning every table on Azurite with @azure/data-tables and
// working each figure out from the rows themselves (the subscriptions from
// their own rows, not the integration's copies). Boundaries are in the
// scenario on purpose: a sync exactly an hour ago, a subscription expiring
// exactly at the margin or now.

import { TableClient } from '@azure/data-tables';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { inProcessDeadLetters } from '../../dev/localHost/inProcessDeadLetters';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';
import { deliverySummary } from '../../shared/delivery/deliveryLog';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { dashboardFor } from '../../shared/management/dashboard';
import type {
  DeliveryLogRecord,
  IntegrationRecord,
  OnboardingProgress,
  UserRecord,
} from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories, testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const NOW = new Date('2026-11-25T10:00:00Z');
const MARGIN_MINUTES = 1440;
const MINUTE = 60_000;
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * MINUTE).toISOString();
const TENANT = '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** The figures both ways must agree on, per integration. */
interface Figures {
  consentState: string;
  lastSyncAt: string | undefined;
  users: {
    total: number;
    updatedLastHour: number;
    neverUpdated: number;
    inError: number;
    pendingConsent: number;
  };
  unreadableMailboxes: string[];
  subscriptions: { expiringSoon: number; missing: number };
  onboarding:
    | {
        done: number;
        total: number;
        refused: number;
        minutesLeft?: number;
        finishedAt?: string;
        updatedAt: string;
      }
    | undefined;
  deliveries: { pending: number; delivered: number; failed: number };
  failedBy: Record<string, number>;
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

describe('dashboard figures, by key and by scanning every table', () => {
  const prefix = uniqueTablePrefix();
  let repos: Repositories;
  const queue = createInProcessQueue();
  const ids = ['alpha', 'beta', 'gamma'] as const;

  beforeAll(async () => {
    repos = await createTestRepositories(prefix);
    await buildScenario(repos);
  });
  afterAll(() => queue.close());

  async function byKey(integrationId: string): Promise<Figures> {
    const dashboard = await dashboardFor(integrationId, {
      repos,
      now: () => NOW,
      queueStatistics: inProcessQueueStatistics(queue),
      deadLetters: inProcessDeadLetters(queue, () => NOW),
      log: silentLogger,
      expiringWithinMinutes: MARGIN_MINUTES,
    });
    const summary = await deliverySummary(integrationId, repos);
    if (dashboard.kind !== 'ok' || summary.kind !== 'ok')
      throw new Error(`no dashboard for ${integrationId}`);
    const d = dashboard.value;
    return {
      consentState: d.consentState,
      lastSyncAt: d.lastSyncAt,
      users: d.users,
      unreadableMailboxes: [...d.unreadableMailboxes].sort(),
      subscriptions: d.subscriptions,
      onboarding: d.onboarding,
      deliveries: summary.value.counts,
      failedBy: summary.value.failedBy,
    };
  }

  it('gives every integration the figures a scan of every table gives', async () => {
    const reference = await scanEverything(prefix);
    for (const id of ids) {
      expect({ id, ...(await byKey(id)) }).toEqual({ id, ...reference.get(id) });
    }
    // The scenario has something to count in every figure (a zero everywhere would prove little).
    const alpha = reference.get('alpha');
    expect(alpha?.users).toEqual({
      total: 8,
      updatedLastHour: 2,
      neverUpdated: 2,
      inError: 2,
      pendingConsent: 0,
    });
    expect(alpha?.subscriptions).toEqual({ expiringSoon: 2, missing: 3 });
    expect(alpha?.deliveries).toEqual({ pending: 1, delivered: 3, failed: 2 });
    expect(alpha?.onboarding?.minutesLeft).toBeGreaterThan(0);
    expect(reference.get('beta')?.users.pendingConsent).toBe(2);
    expect(reference.get('gamma')?.onboarding?.finishedAt).toBeDefined();
  });
});

/** Several integrations, users in every state, subscriptions about to lapse, deliveries of every outcome. */
async function buildScenario(repos: Repositories): Promise<void> {
  const integration = (id: string, extra: Partial<IntegrationRecord>): IntegrationRecord => ({
    id,
    name: id,
    active: true,
    consentState: 'granted',
    tenantId: TENANT,
    pbxUrl: 'https://pbx.example/hook',
    pbxSecretName: `pbx-${id}`,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: at(-10_000),
    updatedAt: at(-10_000),
    ...extra,
  });
  const onboarding: OnboardingProgress = {
    total: 40,
    done: 12,
    refused: 3,
    doneAtStart: 2,
    startedAt: at(-30),
    updatedAt: at(-5),
  };
  await repos.integrations.create(
    integration('alpha', { onboarding, pendingUsers: [{ address: 'x@a.example', problem: 'no such user' }] }),
  );
  await repos.integrations.create(
    integration('beta', {
      consentState: 'pending',
      tenantId: undefined,
      pendingUsers: [
        { address: 'p1@b.example' },
        { address: 'p2@b.example' },
        { address: 'p3@b.example', problem: 'refused' },
      ],
    }),
  );
  await repos.integrations.create(
    integration('gamma', {
      consentState: 'permissionsMissing',
      missingPermissions: ['Calendars.Read'],
      onboarding: { ...onboarding, done: 40, refused: 0, finishedAt: at(-1) },
    }),
  );

  const user = (integrationId: string, n: number, extra: Partial<UserRecord>): UserRecord => ({
    integrationId,
    id: `${integrationId}-u${n}`,
    email: `u${n}@${integrationId}.example`,
    timeZone: 'Europe/Stockholm',
    status: 'ok',
    createdAt: at(-10_000),
    ...extra,
  });
  const subscribed = async (record: UserRecord, expiresInMinutes: number) => {
    const subscriptionId = `${record.integrationId}-${record.id}-sub`;
    await repos.subscriptions.upsert({
      subscriptionId,
      integrationId: record.integrationId,
      userId: record.id,
      clientState: 'x',
      resource: `/users/${record.id}/events`,
      expiresAt: at(expiresInMinutes),
    });
    await repos.users.upsert({ ...record, subscriptionId });
  };
  // alpha: synced lately, exactly an hour ago, long ago, never, failing, refused, gone.
  await subscribed(user('alpha', 1, { lastSyncAt: at(-5) }), 5000);
  await subscribed(user('alpha', 2, { lastSyncAt: at(-60) }), MARGIN_MINUTES);
  await subscribed(user('alpha', 3, { lastSyncAt: at(-59) }), 30);
  await subscribed(user('alpha', 4, { status: 'neverSynced' }), 0);
  await subscribed(
    user('alpha', 5, { status: 'error', lastSyncAt: at(-600), lastError: 'Graph 403 accessDenied' }),
    MARGIN_MINUTES + 1,
  );
  await repos.users.upsert(
    user('alpha', 6, { status: 'error', lastSyncAt: at(-90), lastError: 'Graph 503' }),
  );
  // A subscription deleted since (the user still names it): missing, as one never made.
  const unreadable = user('alpha', 7, { status: 'unreadable', unreadableSince: at(-30) });
  await subscribed(unreadable, 4000);
  await repos.subscriptions.delete(`alpha-${unreadable.id}-sub`);
  // Renewed: due within the margin before, not after.
  const renewed = user('alpha', 8, { lastSyncAt: at(-200) });
  await subscribed(renewed, 20);
  await subscribed(renewed, 4000);
  // beta: waiting for consent, one user added by hand before.
  await repos.users.upsert(user('beta', 1, { status: 'neverSynced' }));
  // gamma: all fine but for one expired subscription.
  await subscribed(user('gamma', 1, { lastSyncAt: at(-1) }), 3000);
  await subscribed(user('gamma', 2, { lastSyncAt: at(-120) }), -5);

  const delivery = (
    integrationId: string,
    n: number,
    state: DeliveryLogRecord['state'],
    extra: Partial<DeliveryLogRecord> = {},
  ): DeliveryLogRecord => ({
    integrationId,
    webhookId: `${integrationId}-w${n}`,
    type: 'absence.upserted',
    userId: `${integrationId}-u1`,
    state,
    attempts: 1,
    updatedAt: at(-n),
    ...extra,
  });
  for (const row of [
    delivery('alpha', 1, 'delivered'),
    delivery('alpha', 2, 'delivered'),
    delivery('alpha', 3, 'delivered', { type: 'user.snapshot' }),
    delivery('alpha', 4, 'failed', { failure: 'exhausted', attempts: 6, lastError: '503', lastStatus: 503 }),
    delivery('alpha', 5, 'failed', { failure: 'rejected', lastError: '400', lastStatus: 400 }),
    delivery('alpha', 6, 'pending', { attempts: 2, lastError: 'timeout' }),
    delivery('gamma', 1, 'delivered'),
    delivery('gamma', 2, 'failed', { failure: 'gone', lastError: '410', lastStatus: 410 }),
  ]) {
    await repos.deliveries.record(row);
  }
}

/**
 * Every figure from every row: whole tables listed with no filter, each row
 * read for itself. Subscriptions are taken from their own rows (empty row
 * key), never from the copies the dashboard reads.
 */
async function scanEverything(prefix: string): Promise<Map<string, Figures>> {
  const scan = async (table: string): Promise<Row[]> => {
    const client = TableClient.fromConnectionString(testTablesConnectionString(), `${prefix}${table}`, {
      allowInsecureConnection: true,
    });
    const rows: Row[] = [];
    for await (const entity of client.listEntities()) rows.push(entity as Row);
    return rows;
  };
  const [integrations, users, subscriptions, deliveries] = await Promise.all(
    ['Integrations', 'Users', 'Subscriptions', 'Deliveries'].map(scan),
  );
  const now = NOW.getTime();
  const text = (row: Row, name: string) =>
    typeof row[name] === 'string' ? (row[name] as string) : undefined;
  const expiresAt = new Map(
    (subscriptions ?? [])
      .filter((s) => s.rowKey === '')
      .map((s) => [s.partitionKey, Date.parse(text(s, 'expiresAt') ?? '')] as const),
  );
  const figures = new Map<string, Figures>();
  for (const integration of integrations ?? []) {
    const id = integration.rowKey;
    const own = (users ?? []).filter((u) => u.partitionKey === id);
    const synced = own.map((u) => text(u, 'lastSyncAt')).filter((s): s is string => s !== undefined);
    let expiringSoon = 0;
    let missing = 0;
    for (const u of own) {
      const subscriptionId = text(u, 'subscriptionId');
      const expires = subscriptionId === undefined ? undefined : expiresAt.get(subscriptionId);
      if (expires === undefined || expires <= now) missing++;
      else if (expires <= now + MARGIN_MINUTES * MINUTE) expiringSoon++;
    }
    const pending = JSON.parse(text(integration, 'pendingUsers') ?? '[]') as Array<{ problem?: string }>;
    const progress = text(integration, 'onboarding');
    const log = (deliveries ?? []).filter((d) => d.partitionKey === id && typeof d.state === 'string');
    const counted = (state: string) => log.filter((d) => d.state === state).length;
    const failedBy = Object.fromEntries(
      ['exhausted', 'rejected', 'gone', 'endpointDisabled'].map((f) => [
        f,
        log.filter((d) => d.state === 'failed' && d.failure === f).length,
      ]),
    );
    figures.set(id, {
      consentState: text(integration, 'consentState') ?? '?',
      lastSyncAt:
        synced.length > 0 ? synced.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : undefined,
      users: {
        total: own.length,
        updatedLastHour: synced.filter((s) => now - Date.parse(s) < 60 * MINUTE).length,
        neverUpdated: own.length - synced.length,
        inError: own.filter((u) => u.status === 'error').length,
        pendingConsent: pending.filter((p) => !p.problem).length,
      },
      unreadableMailboxes: own
        .filter(
          (u) =>
            u.status === 'unreadable' ||
            (u.status === 'error' && /accessDenied/.test(text(u, 'lastError') ?? '')),
        )
        .map((u) => text(u, 'email') ?? '?')
        .sort(),
      subscriptions: { expiringSoon, missing },
      onboarding:
        progress === undefined ? undefined : onboardingOf(JSON.parse(progress) as OnboardingProgress),
      deliveries: { pending: counted('pending'), delivered: counted('delivered'), failed: counted('failed') },
      failedBy,
    });
  }
  return figures;
}

/** Done of total, and the time left at the pace from the start of this onboarding to its last record. */
function onboardingOf(p: OnboardingProgress): NonNullable<Figures['onboarding']> {
  const minutes = (Date.parse(p.updatedAt) - Date.parse(p.startedAt)) / MINUTE;
  const perMinute = minutes > 0 ? (p.done - p.doneAtStart) / minutes : 0;
  const left = Math.max(0, p.total - p.done - p.refused);
  return {
    done: p.done,
    total: p.total,
    refused: p.refused,
    ...(p.finishedAt === undefined && perMinute > 0 ? { minutesLeft: Math.ceil(left / perMinute) } : {}),
    ...(p.finishedAt !== undefined ? { finishedAt: p.finishedAt } : {}),
    updatedAt: p.updatedAt,
  };
}
