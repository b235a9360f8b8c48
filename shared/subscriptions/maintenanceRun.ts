import { canReadCalendars, isExchangeServer } from '../exchange/exchangeServerIntegration';
import type { TenantAccess } from '../graph/appPermissions';
import { classifyGraphError } from '../graph/graphErrors';
import { checkMailbox } from '../graph/mailboxes';
import { tenantRefusal } from '../graph/tenantAccess';
import {
  markConsentRequired,
  markPermissionsMissing,
  markPermissionsRestored,
} from '../onboarding/consentFlow';
import type { QueueSender } from '../queue/queuePort';
import type { IntegrationRecord, SubscriptionRecord, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import type { Metrics } from '../telemetry/metrics';
import { checkAutomaticReplies } from './automaticRepliesCheck';
import { catchUpMessages } from './catchUpSelection';
import type { EwsUpkeepDeps } from './ewsSubscriptionUpkeep';
import { maintainExchangeServerIntegration } from './exchangeServerMaintenance';
import {
  mailboxRefusal,
  markUnreadable,
  renewSubscriptions,
  replaceSubscription,
  type SubscriptionDeps,
} from './subscriptionKeeper';
import { GRAPH_SUBSCRIPTION_WRITES, paceWait, type WritePace, writePace } from './writePace';

export interface MaintenanceDeps extends SubscriptionDeps {
  repos: Repositories;
  queue: QueueSender;
  renewMarginMinutes: number;
  createsPerRun: number;
  catchUpMinutes: number;
  retentionDays: number;
  coalesceSeconds: number;
  /**
   * Asks Entra ID for (or reuses) the tenant's token first, so a revoked
   * consent is noticed every run, and reads from it which needed permissions
   * the tenant no longer grants.
   */
  confirmTenantAccess?: (integration: IntegrationRecord) => Promise<TenantAccess>;
  /** Brings the users of a group-following integration in step with the group, writing at `pace`. */
  followGroup?: (integration: IntegrationRecord, pace: WritePace) => Promise<void>;
  /**
   * One step of an integration's ending (shared/management/integrationEnding.ts):
   * queues what its PBX has not been sent yet and removes or deactivates it
   * once that is delivered, starting nothing new after `until` (the run's
   * budget, service-clock ms). True when the ending finished in this step.
   */
  advanceEnding?: (integration: IntegrationRecord, until: number) => Promise<boolean>;
  /** Adds the pending addresses a consent callback left (shared/onboarding/userProvisioning.ts), writing at `pace`. */
  provisionPending?: (integration: IntegrationRecord, pace: WritePace) => Promise<void>;
  /**
   * How long one run may work before it leaves the rest to the next:
   * default 8 minutes, inside host.json's 10-minute `functionTimeout` with
   * room for the purge that follows.
   */
  runBudgetMs?: number;
  /** Subscription writes per window per tenant; default `GRAPH_SUBSCRIPTION_WRITES`. */
  subscriptionWrites?: { writes: number; windowMs: number };
  /** How the run waits for the write pace; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  metrics?: Pick<Metrics, 'subscriptionsAtRisk' | 'consentLost'>;
  /** Exchange Server integrations' push subscriptions; without it they are skipped. */
  exchangeServer?: EwsUpkeepDeps;
}

export interface MaintenanceReport {
  integrations: number;
  skippedIntegrations: number;
  renewed: number;
  recreated: number;
  /** Renewals or creations left for the next run (throttled, failed or over this run's budget). */
  deferred: number;
  catchUps: number;
  purgedAbsences: number;
  /** Delivered webhooks' log rows past retention (failed ones stay until replayed or removed). */
  purgedDeliveries: number;
  /** Booking log rows past retention (shared/booking/bookingLogEntry.ts). */
  purgedBookingLog: number;
  /** Integrations found refused by their tenant in this run (now `consentRequired`). */
  consentRequired: number;
  /** Mailboxes Graph refused in this run or that wait for their next try (`unreadable`). */
  unreadable: number;
  /** Integrations found without a needed permission in this run (now `permissionsMissing`). */
  permissionsMissing: number;
  /** Users whose Outlook automatic replies changed since their sync read them (each gets a sync). */
  automaticRepliesChanged: number;
  /**
   * What the run left at risk: subscriptions due for renewal it did not renew,
   * and users it left without a live subscription (mailboxes Graph refuses
   * are counted as `unreadable` instead: they wait for their next try).
   */
  atRisk: { expiring: number; missing: number };
  /** Integrations being deleted or deactivated, and how many of those endings finished in this run. */
  endings: { ending: number; finished: number };
  /** Integrations whose maintenance failed as a whole. */
  errors: string[];
  /** Failures of one mailbox or of following the group; the rest of its integration was maintained. */
  partialErrors: string[];
}

const MINUTE = 60_000;
/** See `MaintenanceDeps.runBudgetMs`. */
export const RUN_BUDGET_MS = 8 * MINUTE;

/**
 * The timer's work: keep every subscription alive, re-create the lost ones,
 * catch up users whose notifications may have been lost or whose window has
 * to roll, and purge absences past retention. Every step is idempotent, so a
 * run that dies halfway is simply finished by the next one.
 */
export async function runMaintenance(deps: MaintenanceDeps): Promise<MaintenanceReport> {
  const report: MaintenanceReport = {
    integrations: 0,
    skippedIntegrations: 0,
    renewed: 0,
    recreated: 0,
    deferred: 0,
    catchUps: 0,
    purgedAbsences: 0,
    purgedDeliveries: 0,
    purgedBookingLog: 0,
    consentRequired: 0,
    unreadable: 0,
    permissionsMissing: 0,
    automaticRepliesChanged: 0,
    atRisk: { expiring: 0, missing: 0 },
    endings: { ending: 0, finished: 0 },
    errors: [],
    partialErrors: [],
  };
  await deps.repos.subscriptions.ensureIntegrationIndex();
  const deadline = deps.now().getTime() + (deps.runBudgetMs ?? RUN_BUDGET_MS);
  const paces = new Map<string, WritePace>();
  let createBudget = deps.createsPerRun;
  const integrations = await deps.repos.integrations.list();
  // Users listed by the maintenance of their integration, reused by the purge.
  const usersOf = new Map<string, UserRecord[]>();
  for (const integration of integrations) {
    // An ending integration is inactive: nothing is renewed or caught up, its PBX is told it ends.
    const advance = deps.advanceEnding;
    if (integration.ending && advance) {
      await advanceOneEnding(integration, (i) => advance(i, deadline), deps, report);
      continue;
    }
    if (isExchangeServer(integration)) {
      const ews = deps.exchangeServer;
      if (!integration.active || !canReadCalendars(integration) || !ews) {
        report.skippedIntegrations++;
        continue;
      }
      report.integrations++;
      try {
        const done = await maintainExchangeServerIntegration(integration, createBudget, { ...deps, ews });
        createBudget = done.createBudget;
        usersOf.set(integration.id, done.users);
        report.recreated += done.recreated;
        report.deferred += done.deferred;
        report.atRisk.missing += done.deferred;
        report.catchUps += done.catchUps;
        report.partialErrors.push(...done.partialErrors);
        if (done.credentialsRejected) report.consentRequired++;
      } catch (error) {
        const why = failureText(error);
        report.errors.push(`${integration.id}: ${why}`);
        deps.log.error('maintenance of an integration failed; the next run retries', {
          integrationId: integration.id,
          why,
        });
      }
      continue;
    }
    // A tenant without the needed permissions is still checked, once per run, so it recovers on its own.
    const checked =
      integration.consentState === 'granted' || integration.consentState === 'permissionsMissing';
    if (!integration.active || !checked || !integration.tenantId) {
      report.skippedIntegrations++;
      continue;
    }
    report.integrations++;
    try {
      const missing = (await deps.confirmTenantAccess?.(integration))?.missingPermissions ?? [];
      if (missing.length > 0) {
        if (await markPermissionsMissing(integration.id, missing, deps)) {
          report.permissionsMissing++;
          deps.metrics?.consentLost('permissionsMissing');
        }
        continue;
      }
      // Back from missing permissions: nothing was synced meanwhile, so everyone catches up.
      const recovered =
        integration.consentState === 'permissionsMissing' &&
        (await markPermissionsRestored(integration.id, deps));
      // Graph counts subscription writes per app per tenant: one pace per tenant and run.
      const pace =
        paces.get(integration.tenantId) ??
        writePace({
          ...(deps.subscriptionWrites ?? GRAPH_SUBSCRIPTION_WRITES),
          deadline,
          now: deps.now,
          sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        });
      paces.set(integration.tenantId, pace);
      const provisionPending = deps.provisionPending;
      const pending =
        provisionPending && integration.pendingUsers?.some((p) => !p.problem)
          ? () =>
              followGroupOrReport(integration, (i) => provisionPending(i, pace), deps, report, 'provisioning')
          : undefined;
      const follow =
        integration.followGroupId && deps.followGroup
          ? async () => {
              await pending?.();
              const followGroup = deps.followGroup as NonNullable<MaintenanceDeps['followGroup']>;
              // A group that cannot be read this time must not cost the members already known their renewals.
              await followGroupOrReport(integration, (i) => followGroup(i, pace), deps, report);
            }
          : pending;
      createBudget = await maintainIntegration(integration, createBudget, deps, report, usersOf, {
        pace,
        follow,
        catchUpEveryone: recovered,
      });
    } catch (error) {
      const refusal = tenantRefusal(error);
      if (refusal) {
        // Not a failed run: the tenant said no, and asking again before a new consent is pointless.
        if (await markConsentRequired(integration.id, refusal.code, deps)) {
          report.consentRequired++;
          deps.metrics?.consentLost('refused');
        }
        continue;
      }
      const why = failureText(error);
      report.errors.push(`${integration.id}: ${why}`);
      deps.log.error('maintenance of an integration failed; the next run retries', {
        integrationId: integration.id,
        why,
      });
    }
  }
  deps.metrics?.subscriptionsAtRisk(report.atRisk);
  await purgePastRetention(integrations, usersOf, deps, report);
  deps.log.info('maintenance done', {
    ...report,
    errors: report.errors.length,
    partialErrors: report.partialErrors.length,
  });
  return report;
}

async function advanceOneEnding(
  integration: IntegrationRecord,
  advance: (integration: IntegrationRecord) => Promise<boolean>,
  deps: MaintenanceDeps,
  report: MaintenanceReport,
): Promise<void> {
  report.endings.ending++;
  try {
    if (await advance(integration)) report.endings.finished++;
  } catch (error) {
    const why = failureText(error);
    report.partialErrors.push(`${integration.id}: ending: ${why}`);
    deps.log.warn('could not go on ending the integration; the next run retries', {
      integrationId: integration.id,
      why,
    });
  }
}

async function maintainIntegration(
  integration: IntegrationRecord,
  createBudget: number,
  deps: MaintenanceDeps,
  report: MaintenanceReport,
  usersOf: Map<string, UserRecord[]>,
  step: {
    pace: WritePace;
    /** Following the group: after the renewals, so a long onboarding never costs the known users theirs. */
    follow: (() => Promise<void>) | undefined;
    catchUpEveryone: boolean;
  },
): Promise<number> {
  const { pace, catchUpEveryone } = step;
  const now = deps.now();
  // This integration's subscriptions only, from its own partition (no list of every integration's),
  // read beside its users: the renewals wait for both.
  const [listed, known] = await Promise.all([
    deps.repos.users.listByIntegration(integration.id),
    deps.repos.subscriptions.listByIntegration(integration.id),
  ]);
  let users = listed;
  const subscriptions = new Map(known.map((s) => [s.subscriptionId, s]));
  const subscriptionOf = (user: UserRecord) =>
    user.subscriptionId ? subscriptions.get(user.subscriptionId) : undefined;
  const alive = (s: SubscriptionRecord | undefined): s is SubscriptionRecord =>
    s !== undefined && Date.parse(s.expiresAt) > now.getTime();

  const renewBefore = now.getTime() + deps.renewMarginMinutes * MINUTE;
  // EWS subscriptions are never renewed (they live while answered); only Graph's have an expiry to push back.
  const due = users
    .map(subscriptionOf)
    .filter(alive)
    .filter((s) => s.ews === undefined)
    .filter((s) => Date.parse(s.expiresAt) <= renewBefore);
  const gone = new Set<string>();
  for (const outcome of await renewSubscriptions(integration, due, deps, pace)) {
    if (outcome.kind === 'renewed') report.renewed++;
    else if (outcome.kind === 'gone') gone.add(outcome.subscriptionId);
    else {
      report.deferred++;
      report.atRisk.expiring++;
    }
  }

  if (step.follow) {
    await step.follow();
    // The group's newcomers are subscribed and syncing already; those who left must not be re-created.
    users = await deps.repos.users.listByIntegration(integration.id);
    for (const s of await deps.repos.subscriptions.listByIntegration(integration.id)) {
      subscriptions.set(s.subscriptionId, s);
    }
  }
  usersOf.set(integration.id, users);

  const caughtUp = new Set<string>();
  const refused = new Set<string>();
  for (const user of users) {
    const subscription = subscriptionOf(user);
    if (alive(subscription) && !gone.has(subscription.subscriptionId)) continue;
    if (user.status === 'unreadable' && user.retryAt && Date.parse(user.retryAt) > now.getTime()) {
      report.unreadable++;
      refused.add(user.id);
      continue;
    }
    if (createBudget <= 0 || !(await pace.take())) {
      report.deferred++;
      report.atRisk.missing++;
      continue;
    }
    createBudget--;
    // Each mailbox on its own: one Graph refuses, or one that fails, must not stop the others.
    try {
      await replaceSubscription(integration, user, deps, await readableAgain(integration, user, deps));
      report.recreated++;
      // Changes made while no subscription existed were never notified.
      caughtUp.add(user.id);
    } catch (error) {
      if (tenantRefusal(error)) throw error;
      const refusal = mailboxRefusal(error);
      if (refusal) {
        await markUnreadable(user, refusal, deps);
        report.unreadable++;
        refused.add(user.id);
        continue;
      }
      const wait = paceWait(classifyGraphError(error));
      if (wait !== undefined) pace.holdFor(wait);
      report.deferred++;
      report.atRisk.missing++;
      report.partialErrors.push(`${integration.id}/${user.id}: ${failureText(error)}`);
      deps.log.warn('could not re-create a subscription; the next run retries', {
        integrationId: integration.id,
        userId: user.id,
        why: failureText(error),
      });
    }
  }

  const readable = users.filter((user) => user.status !== 'unreadable' && !refused.has(user.id));
  const replies = await checkAutomaticRepliesOrReport(integration, readable, deps, report);
  report.automaticRepliesChanged += replies.size;

  const messages = catchUpMessages(integration, users, {
    mustRead: new Set([...caughtUp, ...replies]),
    skip: refused,
    everyone: catchUpEveryone,
    now,
    catchUpMinutes: deps.catchUpMinutes,
    coalesceSeconds: deps.coalesceSeconds,
  });
  if (messages.length > 0) await deps.queue.send('sync', messages);
  report.catchUps += messages.length;
  return createBudget;
}

/** Mailbox settings cannot be subscribed to, so every run asks; its trouble never costs the renewals or catch-ups. */
async function checkAutomaticRepliesOrReport(
  integration: IntegrationRecord,
  users: readonly UserRecord[],
  deps: MaintenanceDeps,
  report: MaintenanceReport,
): Promise<ReadonlySet<string>> {
  try {
    const check = await checkAutomaticReplies(integration, users, deps);
    if (check.failed > 0) {
      deps.log.warn('some automatic replies could not be read; asked again next run', {
        integrationId: integration.id,
        failed: check.failed,
      });
    }
    return check.changed;
  } catch (error) {
    if (tenantRefusal(error)) throw error;
    report.partialErrors.push(`${integration.id}: automatic replies: ${failureText(error)}`);
    deps.log.warn('could not read automatic replies; the next run retries', {
      integrationId: integration.id,
      why: failureText(error),
    });
    return new Set();
  }
}

/** A mailbox coming back from `unreadable` has its settings read again: its time zone was never known. */
async function readableAgain(
  integration: IntegrationRecord,
  user: UserRecord,
  deps: MaintenanceDeps,
): Promise<{ timeZone?: string }> {
  if (user.status !== 'unreadable') return {};
  const mailbox = await checkMailbox(deps.graphFor(integration), user.id);
  return mailbox.kind === 'userMailbox' && mailbox.timeZone ? { timeZone: mailbox.timeZone } : {};
}

async function followGroupOrReport(
  integration: IntegrationRecord,
  followGroup: (integration: IntegrationRecord) => Promise<void>,
  deps: MaintenanceDeps,
  report: MaintenanceReport,
  what: 'following the group' | 'provisioning' = 'following the group',
): Promise<void> {
  try {
    await followGroup(integration);
  } catch (error) {
    if (tenantRefusal(error)) throw error;
    report.partialErrors.push(`${integration.id}: ${what}: ${failureText(error)}`);
    deps.log.warn(
      `could not ${what === 'provisioning' ? 'go on provisioning' : 'follow the group'}; the known users are still maintained`,
      {
        integrationId: integration.id,
        why: failureText(error),
      },
    );
  }
}

function failureText(error: unknown): string {
  const failure = classifyGraphError(error);
  if (failure) return `Graph ${failure.status} ${failure.kind}`;
  return error instanceof Error ? error.message : 'error';
}

/** Absences (and tombstones) whose end lies more than the retention period back. */
function retentionCutoff(deps: MaintenanceDeps): string {
  return new Date(deps.now().getTime() - deps.retentionDays * 24 * 60 * MINUTE).toISOString();
}

/** Partition queries at once while purging: enough to hide each one's round trip, few enough to stay polite. */
const PURGE_PARALLEL = 8;

/**
 * Retention by keys: one query of each integration's delivery log partition
 * (and booking log partition, where it has one) and one of each user's absence partition, never a scan of a whole table (a
 * filter without PartitionKey reads every partition:
 * https://learn.microsoft.com/azure/storage/tables/table-storage-design-for-query).
 * Every integration is purged, maintained this run or not: retention does not
 * wait for consent.
 */
async function purgePastRetention(
  integrations: IntegrationRecord[],
  usersOf: Map<string, UserRecord[]>,
  deps: MaintenanceDeps,
  report: MaintenanceReport,
): Promise<void> {
  const cutoff = retentionCutoff(deps);
  for (const integration of integrations) {
    try {
      report.purgedDeliveries += await deps.repos.deliveries.deleteDeliveredBefore(integration.id, cutoff);
      // The booking log ages out the same way; only an integration that ever had booking settings has rows there.
      if (integration.booking)
        report.purgedBookingLog += await deps.repos.bookingLog.deleteBefore(integration.id, cutoff);
      const users = usersOf.get(integration.id) ?? (await deps.repos.users.listByIntegration(integration.id));
      let next = 0;
      const worker = async () => {
        while (next < users.length) {
          const user = users[next++] as UserRecord;
          const purged = await deps.repos.absences.deleteEndedBefore(integration.id, user.id, cutoff);
          report.purgedAbsences += purged;
        }
      };
      await Promise.all(Array.from({ length: Math.min(PURGE_PARALLEL, users.length) }, worker));
    } catch (error) {
      // Retention is not urgent: the next run purges what this one could not.
      report.partialErrors.push(`${integration.id}: purge: ${failureText(error)}`);
      deps.log.warn('could not purge past retention; the next run retries', {
        integrationId: integration.id,
        why: failureText(error),
      });
    }
  }
}
