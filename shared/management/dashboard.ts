import type { Logger } from '../logger';
import { type Outcome, ok } from '../outcome';
import type { QueueFigures, QueueStatistics } from '../queue/queueStatistics';
import type { IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { noIntegration } from './refusals';

export interface Dashboard {
  integrationId: string;
  active: boolean;
  consentState: IntegrationRecord['consentState'];
  consentMode: NonNullable<IntegrationRecord['consentMode']>;
  consentError?: string;
  consentRequiredSince?: string;
  /** In `permissionsMissing`: the application permissions the tenant no longer grants. */
  missingPermissions?: string[];
  lastSyncAt?: string;
  users: {
    total: number;
    updatedLastHour: number;
    neverUpdated: number;
    inError: number;
    pendingConsent: number;
  };
  /** Mailboxes whose last sync was refused (scoped mode: outside the granted group). */
  unreadableMailboxes: string[];
  subscriptions: { expiringSoon: number; missing: number };
  /** The deliveries queue, deployment-wide (all integrations share it), or why it cannot be counted. */
  deliveries: QueueFigures;
}

export interface DashboardDeps {
  repos: Pick<Repositories, 'integrations' | 'users' | 'subscriptions'>;
  now: () => Date;
  queueStatistics: QueueStatistics;
  /** Where the statistics source explains why it cannot count. */
  log: Logger;
  /** "Expiring soon" means within the renewal margin the maintenance run uses. */
  expiringWithinMinutes: number;
}

const HOUR = 3_600_000;

export async function dashboardFor(integrationId: string, deps: DashboardDeps): Promise<Outcome<Dashboard>> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return noIntegration(integrationId);
  const now = deps.now().getTime();
  // Started now so a slow management API overlaps the table reads instead of following them.
  const deliveries = deps.queueStatistics.figures('deliveries', deps.log);
  const users = await deps.repos.users.listByIntegration(integrationId);
  const subscriptions = new Map(
    (await deps.repos.subscriptions.list())
      .filter((s) => s.integrationId === integrationId)
      .map((s) => [s.subscriptionId, s]),
  );
  let expiringSoon = 0;
  let missing = 0;
  for (const user of users) {
    const subscription = user.subscriptionId ? subscriptions.get(user.subscriptionId) : undefined;
    const expires = subscription ? Date.parse(subscription.expiresAt) : Number.NaN;
    if (!subscription || expires <= now) missing++;
    else if (expires <= now + deps.expiringWithinMinutes * 60_000) expiringSoon++;
  }
  const lastSyncAt = users
    .map((u) => u.lastSyncAt)
    .filter((at): at is string => at !== undefined)
    .sort()
    .at(-1);
  return ok({
    integrationId,
    active: integration.active,
    consentState: integration.consentState,
    consentMode: integration.consentMode ?? 'tenantWide',
    ...(integration.consentError ? { consentError: integration.consentError } : {}),
    ...(integration.consentRequiredSince ? { consentRequiredSince: integration.consentRequiredSince } : {}),
    ...(integration.missingPermissions?.length ? { missingPermissions: integration.missingPermissions } : {}),
    ...(lastSyncAt ? { lastSyncAt } : {}),
    users: {
      total: users.length,
      updatedLastHour: users.filter((u) => u.lastSyncAt && Date.parse(u.lastSyncAt) > now - HOUR).length,
      neverUpdated: users.filter((u) => !u.lastSyncAt).length,
      inError: users.filter((u) => u.status === 'error').length,
      pendingConsent: (integration.pendingUsers ?? []).filter((p) => !p.problem).length,
    },
    unreadableMailboxes: users
      .filter(
        (u) =>
          u.status === 'unreadable' || (u.status === 'error' && (u.lastError ?? '').includes('accessDenied')),
      )
      .map((u) => u.email),
    subscriptions: { expiringSoon, missing },
    deliveries: await deliveries,
  });
}
