import {
  type CalendarSystem,
  calendarSystemOf,
  credentialsRejected,
} from '../exchange/exchangeServerIntegration';
import type { Logger } from '../logger';
import { type Outcome, ok } from '../outcome';
import type { DeadLetterListing, DeadLetters } from '../queue/deadLetters';
import type { QueueName } from '../queue/queuePort';
import type { QueueFigures, QueueStatistics } from '../queue/queueStatistics';
import type { IntegrationRecord, OnboardingProgress } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { noIntegration } from './refusals';

export interface Dashboard {
  integrationId: string;
  kind: CalendarSystem;
  active: boolean;
  /** Exchange Server only: whether Exchange accepts the service account (rejected: the sync stopped calling it). */
  credentials?: 'accepted' | 'rejected';
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
  /** Adding the users of a consent or of a followed group, as last recorded; absent when never needed. */
  onboarding?: OnboardingFigures;
  /** The deliveries queue, deployment-wide (all integrations share it), or why it cannot be counted. */
  deliveries: QueueFigures;
  /** Per queue: what it gave up on (resubmit with POST /api/manage/dead-letters/{queue}/resubmit). */
  deadLetters: Record<QueueName, DeadLetterPanel>;
}

export interface OnboardingFigures {
  /** Members known as users, of all the group's members. */
  done: number;
  total: number;
  /** Members Graph would not let us add in the last run. */
  refused: number;
  /** At the pace so far (runs and the pauses between them); absent before there is a pace or once finished. */
  minutesLeft?: number;
  finishedAt?: string;
  updatedAt: string;
}

export interface DeadLetterPanel {
  /** Dead-lettered messages in the queue, deployment-wide; absent when the queue cannot be counted. */
  count?: number;
  /** This integration's most recent dead letters (ids, reason, times), or why they cannot be read. */
  recent: DeadLetterListing;
}

export interface DashboardDeps {
  repos: Pick<Repositories, 'integrations' | 'users' | 'subscriptions'>;
  now: () => Date;
  queueStatistics: QueueStatistics;
  deadLetters: DeadLetters;
  /** Where the statistics source explains why it cannot count. */
  log: Logger;
  /** "Expiring soon" means within the renewal margin the maintenance run uses. */
  expiringWithinMinutes: number;
}

const HOUR = 3_600_000;
/** Dead letters read per queue, of which this integration's newest are shown. */
const DEAD_LETTERS_READ = 100;
const DEAD_LETTERS_SHOWN = 10;

async function deadLetterPanel(
  integrationId: string,
  queue: QueueName,
  figures: Promise<QueueFigures>,
  deps: DashboardDeps,
): Promise<DeadLetterPanel> {
  const [counted, listing] = await Promise.all([
    figures,
    deps.deadLetters.list(queue, DEAD_LETTERS_READ, deps.log),
  ]);
  const recent: DeadLetterListing = listing.available
    ? {
        available: true,
        letters: listing.letters
          .filter((l) => l.integrationId === integrationId)
          .slice(0, DEAD_LETTERS_SHOWN),
      }
    : listing;
  return { ...(counted.available ? { count: counted.deadLettered } : {}), recent };
}

/** The stored progress with the time left at the pace since it began. */
export function onboardingFigures(progress: OnboardingProgress): OnboardingFigures {
  const elapsed = Date.parse(progress.updatedAt) - Date.parse(progress.startedAt);
  const perMs = elapsed > 0 ? (progress.done - progress.doneAtStart) / elapsed : 0;
  const left = Math.max(0, progress.total - progress.done - progress.refused);
  return {
    done: progress.done,
    total: progress.total,
    refused: progress.refused,
    ...(!progress.finishedAt && perMs > 0 ? { minutesLeft: Math.ceil(left / perMs / 60_000) } : {}),
    ...(progress.finishedAt ? { finishedAt: progress.finishedAt } : {}),
    updatedAt: progress.updatedAt,
  };
}

export async function dashboardFor(integrationId: string, deps: DashboardDeps): Promise<Outcome<Dashboard>> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return noIntegration(integrationId);
  const now = deps.now().getTime();
  // Started now so a slow management API overlaps the table reads instead of following them.
  const deliveries = deps.queueStatistics.figures('deliveries', deps.log);
  const deadLetters = Promise.all([
    deadLetterPanel(integrationId, 'sync', deps.queueStatistics.figures('sync', deps.log), deps),
    deadLetterPanel(integrationId, 'deliveries', deliveries, deps),
  ]);
  // Two partition queries, both this integration's own rows: the work grows with it, not with the deployment.
  await deps.repos.subscriptions.ensureIntegrationIndex();
  const [users, subscriptionRows] = await Promise.all([
    deps.repos.users.listByIntegration(integrationId),
    deps.repos.subscriptions.listByIntegration(integrationId),
  ]);
  const subscriptions = new Map(subscriptionRows.map((s) => [s.subscriptionId, s]));
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
    kind: calendarSystemOf(integration),
    active: integration.active,
    ...(integration.exchangeServer
      ? { credentials: credentialsRejected(integration) ? ('rejected' as const) : ('accepted' as const) }
      : {}),
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
    ...(integration.onboarding ? { onboarding: onboardingFigures(integration.onboarding) } : {}),
    deliveries: await deliveries,
    deadLetters: await deadLetters.then(([sync, deliveryLetters]) => ({ sync, deliveries: deliveryLetters })),
  });
}

/** The whole deployment at a glance: how many integrations of each kind, and which need the operator. */
export interface DeploymentDashboard {
  integrations: Record<CalendarSystem, number>;
  /** Exchange Server integrations whose password Exchange refused: nothing is read until a new one is saved. */
  exchangeServerCredentialsRejected: { integrationId: string; name: string; since?: string }[];
}

/** One query: every integration shares one partition (shared/storage/integrationEntity.ts). */
export async function deploymentDashboard(deps: Pick<DashboardDeps, 'repos'>): Promise<DeploymentDashboard> {
  const all = await deps.repos.integrations.list();
  const integrations: Record<CalendarSystem, number> = { microsoft365: 0, exchangeServer: 0 };
  for (const integration of all) integrations[calendarSystemOf(integration)]++;
  return {
    integrations,
    exchangeServerCredentialsRejected: all.filter(credentialsRejected).map((integration) => ({
      integrationId: integration.id,
      name: integration.name,
      ...(integration.consentRequiredSince ? { since: integration.consentRequiredSince } : {}),
    })),
  };
}
