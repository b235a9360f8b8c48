import type { Client } from '@microsoft/microsoft-graph-client';
import { diffAbsences } from '../domain/absenceDiff';
import { observedState } from '../domain/automaticReplies';
import { parseMailAddress } from '../domain/mailAddress';
import { type ResolvedMailbox, resolveMailbox } from '../exchange/ewsMailboxResolution';
import { EwsFailure } from '../exchange/ewsService';
import {
  credentialsRejected,
  type ExchangeServerIntegration,
  isExchangeServer,
} from '../exchange/exchangeServerIntegration';
import { classifyGraphError } from '../graph/graphErrors';
import { checkMailbox } from '../graph/mailboxes';
import { deleteSubscription } from '../graph/subscriptions';
import { findUser } from '../graph/users';
import type { Logger } from '../logger';
import { conflict, invalid, notFound, type Refusal } from '../outcome';
import type { QueueSender } from '../queue/queuePort';
import { currentStatus, statusDigest } from '../status/currentStatus';
import { PENDING_PROBLEM_MAX_CHARS } from '../storage/integrationEntity';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import { PropertyTooLargeError } from '../storage/propertyLimits';
import type { IntegrationRecord, OnboardingProgress, PendingUser, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { InvalidKeyError } from '../storage/tableKeys';
import { userToEntity } from '../storage/userEntity';
import { type EwsUpkeepDeps, subscribeEwsUser } from '../subscriptions/ewsSubscriptionUpkeep';
import {
  mailboxRefusal,
  markUnreadable,
  replaceSubscription,
  subscribeUser,
  unreadableUser,
} from '../subscriptions/subscriptionKeeper';
import { GRAPH_SUBSCRIPTION_WRITES, type WritePace, writePace } from '../subscriptions/writePace';
import { deliveryMessage, deliveryRequestsFor } from '../sync/absenceWebhooks';
import { statusRequest } from '../sync/statusWebhooks';
import { syncMessageAt } from '../sync/syncRequest';
import { versionClock } from '../sync/versionClock';
import { pacedEach } from './pacedAdds';

export interface ProvisioningDeps {
  repos: Repositories;
  graphFor(integration: IntegrationRecord): Client;
  queue: QueueSender;
  now: () => Date;
  urls: { notification: string; lifecycle: string };
  subscriptionMinutes: number;
  defaultTimeZone: string;
  /** An Exchange Server user's push subscription (shared/subscriptions/ewsSubscriptionUpkeep.ts). */
  ewsSubscriptions?: EwsUpkeepDeps;
  log: Logger;
}

export type AddUserResult = { kind: 'added'; user: UserRecord } | Refusal;

/**
 * Adds a mailbox to an integration: resolves the address with Graph,
 * subscribes to its events and queues the first sync. A mailbox Graph
 * refuses (403: outside the app's scope) is still added, as `unreadable`
 * with the reason, and the maintenance run keeps trying it.
 */
export async function addUser(
  integrationId: string,
  address: string,
  deps: ProvisioningDeps,
): Promise<AddUserResult> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return notFound('integration not found');
  if (isExchangeServer(integration)) return addExchangeServerUser(integration, address, deps);
  if (integration.consentState !== 'granted' || !integration.tenantId) {
    return conflict('the Microsoft 365 admin has not granted consent yet');
  }
  const client = deps.graphFor(integration);
  const found = await findUser(client, address);
  if (!found) return invalid(`no user with the address ${address} in the tenant`);
  const mailbox = await checkMailbox(client, found.id);
  if (mailbox.kind === 'noMailbox') return invalid(`${address} has no Exchange Online mailbox`);
  if (mailbox.kind === 'notAUserMailbox') {
    return invalid(`${address} is a ${mailbox.purpose} mailbox, not a person's mailbox`);
  }
  if (mailbox.kind === 'userMailbox' && mailbox.unknownZone !== undefined) {
    deps.log.warn('mailbox time zone not recognised; using the default time zone', {
      integrationId,
      userId: found.id,
      reportedTimeZone: mailbox.unknownZone,
      timeZone: deps.defaultTimeZone,
    });
  }
  const now = deps.now();
  // Asked of the table: a row kept by this instance may predate another instance's removal of the user.
  const existing = (await deps.repos.users.get(integrationId, found.id, { fresh: true }))?.value;
  const user: UserRecord = existing ?? {
    integrationId,
    id: found.id,
    email: found.mail ?? found.userPrincipalName ?? address,
    ...(found.displayName ? { displayName: found.displayName } : {}),
    timeZone: (mailbox.kind === 'userMailbox' ? mailbox.timeZone : undefined) ?? deps.defaultTimeZone,
    ...(mailbox.kind === 'userMailbox' && mailbox.workingHours ? { workingHours: mailbox.workingHours } : {}),
    // The settings just read answer the first sync's question too (docs/rules.md, "Outlook automatic replies").
    ...(mailbox.kind === 'userMailbox' && mailbox.automaticReplies
      ? {
          automaticReplies: {
            state: observedState(undefined, mailbox.automaticReplies, now),
            readAt: now.toISOString(),
          },
        }
      : {}),
    status: 'neverSynced',
    createdAt: now.toISOString(),
  };
  // Checked before Graph holds a subscription for a user we could never store.
  const unstorable = storageProblem(() => userToEntity(user));
  if (unstorable) return invalid(`${address} cannot be stored: ${unstorable}`);
  let withSubscription: UserRecord = user;
  if (!user.subscriptionId) {
    try {
      withSubscription = {
        ...user,
        subscriptionId: (await subscribeUser(integration, user, deps)).subscriptionId,
      };
    } catch (error) {
      const refusal = mailboxRefusal(error);
      if (!refusal) throw error;
      const unreadable = unreadableUser(user, refusal, now);
      await deps.repos.users.upsert(unreadable);
      deps.log.warn('user added, but Graph refuses the mailbox; tried again later', {
        integrationId,
        userId: user.id,
      });
      return { kind: 'added', user: unreadable };
    }
  }
  await deps.repos.users.upsert(withSubscription);
  await deps.queue.send('sync', [
    syncMessageAt({ integrationId, userId: user.id, cause: 'provisioned' }, now, now),
  ]);
  deps.log.info('user added', { integrationId, userId: user.id });
  return { kind: 'added', user: withSubscription };
}

/**
 * A mailbox on Exchange Server: its id is its lower-cased SMTP address (EWS
 * addresses mailboxes by address; there is no directory object id), its
 * all-day items fall in the integration's zone, and the first sync is queued.
 */
async function addExchangeServerUser(
  integration: ExchangeServerIntegration,
  address: string,
  deps: ProvisioningDeps,
): Promise<AddUserResult> {
  if (credentialsRejected(integration)) {
    return conflict('Exchange refuses the service account; save its new password first');
  }
  const parsed = parseMailAddress(address);
  if (parsed.kind === 'refused') return invalid(`${address} is not an email address: ${parsed.reason}`);
  const resolved = await resolveExchangeMailbox(integration, parsed.address, deps);
  if (resolved.kind === 'notFound') {
    return invalid(`no mailbox on the Exchange server has the address ${parsed.address}`);
  }
  if (resolved.kind === 'refused') return conflict(resolved.reason);
  const primary = resolved.kind === 'resolved' ? resolved.mailbox.primaryAddress : parsed.address;
  const id = primary.toLowerCase();
  const now = deps.now();
  const existing = (await deps.repos.users.get(integration.id, id, { fresh: true }))?.value;
  const user: UserRecord = existing ?? {
    integrationId: integration.id,
    id,
    email: primary,
    ...(resolved.kind === 'resolved' && resolved.mailbox.displayName
      ? { displayName: resolved.mailbox.displayName }
      : {}),
    timeZone: integration.exchangeServer.timeZone,
    status: 'neverSynced',
    createdAt: now.toISOString(),
  };
  const unstorable = storageProblem(() => userToEntity(user));
  if (unstorable) return invalid(`${address} cannot be stored: ${unstorable}`);
  await deps.repos.users.upsert(user);
  const subscribed = await subscribeOrLeaveToMaintenance(integration, user, deps);
  await deps.queue.send('sync', [
    syncMessageAt({ integrationId: integration.id, userId: id, cause: 'provisioned' }, now, now),
  ]);
  deps.log.info('user added', { integrationId: integration.id, userId: id });
  return { kind: 'added', user: subscribed };
}

type ExchangeResolution =
  | { kind: 'resolved'; mailbox: ResolvedMailbox }
  | { kind: 'notFound' }
  | { kind: 'refused'; reason: string }
  /** Exchange could not be asked (unreachable, busy): the address as typed, and the sync will tell. */
  | { kind: 'unasked' };

/**
 * The user is keyed by the mailbox's primary SMTP address, as Exchange names
 * it, so an alias the operator typed and the address push notifications and
 * CalendarView answer for are one user, and a mailbox Exchange does not know
 * is refused at once instead of failing every sync after.
 */
async function resolveExchangeMailbox(
  integration: ExchangeServerIntegration,
  address: string,
  deps: ProvisioningDeps,
): Promise<ExchangeResolution> {
  if (!deps.ewsSubscriptions) return { kind: 'unasked' };
  try {
    const connection = await deps.ewsSubscriptions.ewsConnectionFor(integration);
    const mailbox = await resolveMailbox(connection, address);
    return mailbox ? { kind: 'resolved', mailbox } : { kind: 'notFound' };
  } catch (error) {
    if (error instanceof EwsFailure && error.kind === 'credentialsRejected') {
      return { kind: 'refused', reason: 'Exchange refuses the service account; save its new password first' };
    }
    deps.log.warn('could not ask Exchange which mailbox the address is; added as typed', {
      integrationId: integration.id,
      why: error instanceof EwsFailure ? error.kind : 'error',
    });
    return { kind: 'unasked' };
  }
}

/**
 * Subscribed before the first sync is queued, so a change after that sync's
 * read is notified. A user already subscribed keeps its subscription; one
 * Exchange refused now is still added, and the maintenance run subscribes it
 * (shared/subscriptions/exchangeServerMaintenance.ts).
 */
async function subscribeOrLeaveToMaintenance(
  integration: ExchangeServerIntegration,
  user: UserRecord,
  deps: ProvisioningDeps,
): Promise<UserRecord> {
  if (!deps.ewsSubscriptions || user.subscriptionId) return user;
  try {
    const made = await subscribeEwsUser(integration, user, deps.ewsSubscriptions);
    return made.kind === 'subscribed' ? { ...user, subscriptionId: made.record.subscriptionId } : user;
  } catch (error) {
    deps.log.warn('could not make the EWS subscription; the maintenance run tries again', {
      integrationId: integration.id,
      why: error instanceof Error ? error.message : 'error',
    });
    return user;
  }
}

/**
 * Removes a user and everything about it: subscription (Graph and table),
 * absences, the user row. Unless told otherwise, the PBX first gets
 * `absence.deleted` for the user's absences that have not ended yet, so a
 * removed user does not stay "away" in the PBX until they run out.
 */
export async function removeUser(
  integrationId: string,
  userId: string,
  deps: ProvisioningDeps,
  options: { notifyPbx: boolean } = { notifyPbx: true },
): Promise<boolean> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  const user = (await deps.repos.users.get(integrationId, userId, { fresh: true }))?.value;
  if (!integration || !user) return false;
  if (options.notifyPbx) await withdrawAbsences(integration, user, deps);
  if (user.subscriptionId) {
    if (integration.tenantId && integration.consentState === 'granted') {
      try {
        await deleteSubscription(deps.graphFor(integration), user.subscriptionId);
      } catch (error) {
        // Graph drops an unrenewed subscription within days anyway; the rows must go regardless.
        deps.log.warn('could not delete the Graph subscription', {
          userId,
          status: classifyGraphError(error)?.status,
        });
      }
    }
    await deps.repos.subscriptions.delete(user.subscriptionId);
  }
  await deps.repos.absences.deleteAllForUser(integrationId, userId);
  await deps.repos.users.delete(integrationId, userId);
  return true;
}

async function withdrawAbsences(
  integration: IntegrationRecord,
  user: UserRecord,
  deps: ProvisioningDeps,
): Promise<void> {
  const now = deps.now();
  const known = await deps.repos.absences.listForUser(integration.id, user.id);
  const ongoing = known.filter((absence) => !absence.deleted && Date.parse(absence.end) > now.getTime());
  // Above every version sent for the user (absences, snapshots, statuses), so the PBX applies these.
  const clock = versionClock(now, user, known);
  const changes = diffAbsences(ongoing, [], { kind: 'full' }, clock);
  const pbxUser = { id: user.id, email: user.email };
  const requests = deliveryRequestsFor(integration.id, pbxUser, changes, now);
  // A user the PBX was told a status of leaves it available, not away until that status ends.
  if (integration.ruleSet.status.send && user.statusDigest !== undefined) {
    const available = currentStatus([], user, integration.ruleSet, now.getTime());
    if (statusDigest(available) !== user.statusDigest)
      requests.push(statusRequest(integration.id, pbxUser, available, clock, now));
  }
  if (requests.length === 0) return;
  await deps.queue.send('deliveries', requests.map(deliveryMessage));
}

/** Why Table Storage would refuse what `write` builds, in words without its values; undefined when it would not. */
function storageProblem(write: () => unknown): string | undefined {
  try {
    write();
    return undefined;
  } catch (error) {
    if (error instanceof PropertyTooLargeError || error instanceof InvalidKeyError) return error.message;
    throw error;
  }
}

/** A reason that fits the pending list's room for it (see checkIntegrationFits). */
const shortReason = (reason: string) =>
  reason.length <= PENDING_PROBLEM_MAX_CHARS ? reason : `${reason.slice(0, PENDING_PROBLEM_MAX_CHARS - 1)}…`;

export interface ProvisioningReport {
  /** Users whose subscription had to be created again. */
  subscribed: number;
  synced: number;
  added: number;
  /** Pending addresses Graph refused; they stay pending with the reason. */
  refused: number;
  /**
   * Work this call's time did not reach: known users whose subscription the
   * maintenance run re-creates, and pending addresses it goes on adding.
   */
  left: number;
}

/**
 * How long the consent callback provisions before it answers. The admin's
 * browser waits for the page, and an HTTP-triggered function must answer
 * within 230 s whatever its timeout
 * (https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout);
 * 20 s covers a few hundred users at Graph's pace, and the maintenance run
 * goes on with the rest.
 */
export const CONSENT_PROVISIONING_MS = 20_000;

/**
 * A fresh pace of subscription writes for the consent callback, ending
 * `budgetMs` from now. A tenant is being consented, so the maintenance run
 * (which skipped it before the consent) writes nothing for it meanwhile.
 */
export function consentPace(
  deps: Pick<ProvisioningDeps, 'now'>,
  budgetMs = CONSENT_PROVISIONING_MS,
): WritePace {
  return writePace({
    ...GRAPH_SUBSCRIPTION_WRITES,
    deadline: deps.now().getTime() + budgetMs,
    now: deps.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}

/** Why one pending address could not be added, for the operator; logs what the reason leaves out. */
function pendingProblem(integrationId: string, error: unknown, deps: ProvisioningDeps): string {
  const status = classifyGraphError(error)?.status;
  deps.log.warn('a pending address could not be added after consent', {
    integrationId,
    error: error instanceof Error ? error.name : 'error',
    status,
  });
  if (error instanceof PropertyTooLargeError || error instanceof InvalidKeyError) {
    return `cannot be stored: ${error.message}`;
  }
  return `could not be added${status ? ` (Microsoft Graph answered ${status})` : ''}; tried again at the next consent`;
}

/**
 * After consent (first or renewed): every known user gets a live
 * subscription and a sync, and the addresses asked for before consent are
 * resolved and added. Each user is handled on its own, so one bad mailbox
 * does not stop the others.
 *
 * Subscriptions are written in parallel at the tenant's pace, a 429 holding
 * them all for its Retry-After, and nothing starts after the pace's deadline:
 * what is left, the maintenance run finishes (it re-creates the known users'
 * missing subscriptions, and `continueProvisioning` adds the addresses not
 * yet tried). The integration row keeps the progress the dashboard shows.
 */
export async function provisionIntegration(
  integrationId: string,
  deps: ProvisioningDeps,
  pace: WritePace = consentPace(deps),
): Promise<ProvisioningReport> {
  const report: ProvisioningReport = { subscribed: 0, synced: 0, added: 0, refused: 0, left: 0 };
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (integration?.consentState !== 'granted' || !integration.tenantId) return report;
  const now = deps.now();
  const pending = integration.pendingUsers ?? [];
  if (pending.length > 0) await startProgress(integrationId, pending.length, deps);
  const users = await deps.repos.users.listByIntegration(integrationId);
  await deps.repos.subscriptions.ensureIntegrationIndex();
  const live = new Set(
    (await deps.repos.subscriptions.listByIntegration(integrationId))
      .filter((s) => Date.parse(s.expiresAt) > now.getTime())
      .map((s) => s.subscriptionId),
  );
  const refusedMailboxes = new Set<string>();
  const unsubscribed = users.filter((u) => !u.subscriptionId || !live.has(u.subscriptionId));
  const leftUsers = await pacedEach(
    unsubscribed,
    pace,
    async (user) => {
      await replaceSubscription(integration, user, deps);
      report.subscribed++;
    },
    async (user, error) => {
      const refusal = mailboxRefusal(error);
      if (refusal) {
        // A sync would only be refused too; the maintenance run tries the mailbox again.
        await markUnreadable(user, refusal, deps);
        refusedMailboxes.add(user.id);
        return;
      }
      // The maintenance run re-creates missing subscriptions; the sync below still runs.
      deps.log.warn('could not subscribe a user after consent', {
        userId: user.id,
        status: classifyGraphError(error)?.status,
      });
    },
  );
  // Every user's sync now, in one send: a sync needs no subscription, and the maintenance
  // run catches up again those whose subscription it has to re-create.
  const syncs = users
    .filter((u) => !refusedMailboxes.has(u.id))
    .map((u) => syncMessageAt({ integrationId, userId: u.id, cause: 'provisioned' }, now, now));
  if (syncs.length > 0) await deps.queue.send('sync', syncs);
  report.synced = syncs.length;
  const added = await addPending(integrationId, pending, deps, pace);
  report.added = added.added;
  report.refused = added.refused;
  report.left = leftUsers.length + added.left;
  deps.log.info('integration provisioned', { integrationId, ...report });
  return report;
}

/**
 * The maintenance run's part in provisioning: the pending addresses a
 * consent callback had no time for (those without a reason: a refused one
 * waits for the next consent), added at the run's pace. Nothing is done while
 * a consent callback may still be adding them itself.
 */
export async function continueProvisioning(
  integrationId: string,
  deps: ProvisioningDeps,
  pace: WritePace,
): Promise<Pick<ProvisioningReport, 'added' | 'refused' | 'left'>> {
  const none = { added: 0, refused: 0, left: 0 };
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (integration?.consentState !== 'granted' || !integration.tenantId) return none;
  const untried = (integration.pendingUsers ?? []).filter((p) => !p.problem);
  if (untried.length === 0) return none;
  const progress = integration.onboarding;
  const busyUntil = progress ? Date.parse(progress.updatedAt) + CONSENT_PROVISIONING_MS + MINUTE : 0;
  if (progress && !progress.finishedAt && busyUntil > deps.now().getTime()) return none;
  const report = await addPending(integrationId, untried, deps, pace);
  deps.log.info('provisioning continued', { integrationId, ...report });
  return report;
}

const MINUTE = 60_000;

/** A consent starts a provisioning of its own: the progress begins again at zero. */
async function startProgress(integrationId: string, total: number, deps: ProvisioningDeps): Promise<void> {
  const at = deps.now().toISOString();
  const progress: OnboardingProgress = {
    total,
    done: 0,
    refused: 0,
    doneAtStart: 0,
    startedAt: at,
    updatedAt: at,
  };
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current) => ({
      ...current,
      onboarding: progress,
    }),
  );
  settledOrThrow(outcome, `the onboarding progress of integration ${integrationId}`);
}

/**
 * Adds pending addresses at the pace; the added leave the list, the refused
 * keep their reason, and the list and the progress are written together.
 */
async function addPending(
  integrationId: string,
  addresses: readonly PendingUser[],
  deps: ProvisioningDeps,
  pace: WritePace,
): Promise<Pick<ProvisioningReport, 'added' | 'refused' | 'left'>> {
  if (addresses.length === 0) return { added: 0, refused: 0, left: 0 };
  const handled = new Map<string, PendingUser | undefined>();
  const refuse = (address: string, reason: string) =>
    handled.set(address, { address, problem: shortReason(reason) });
  const left = await pacedEach(
    addresses,
    pace,
    async ({ address }) => {
      const result = await addUser(integrationId, address, deps);
      if (result.kind === 'added') handled.set(address, undefined);
      else refuse(address, result.reason);
    },
    ({ address }, error) => {
      refuse(address, pendingProblem(integrationId, error, deps));
    },
  );
  const added = [...handled.values()].filter((p) => p === undefined).length;
  const refused = handled.size - added;
  const now = deps.now().toISOString();
  // Added addresses leave the list, refused ones keep their reason, and any asked for meanwhile stay.
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    ({ pendingUsers, ...rest }) => {
      const kept = (pendingUsers ?? []).flatMap((p) => {
        const after = handled.has(p.address) ? handled.get(p.address) : p;
        return after ? [after] : [];
      });
      const previous = rest.onboarding && !rest.onboarding.finishedAt ? rest.onboarding : undefined;
      const total = previous?.total ?? addresses.length;
      const onboarding: OnboardingProgress = {
        total,
        done: Math.min(total, (previous?.done ?? 0) + added),
        refused: (previous?.refused ?? 0) + refused,
        doneAtStart: previous?.doneAtStart ?? 0,
        startedAt: previous?.startedAt ?? now,
        updatedAt: now,
        ...(left.length === 0 ? { finishedAt: now } : {}),
      };
      return { ...rest, onboarding, ...(kept.length > 0 ? { pendingUsers: kept } : {}) };
    },
  );
  settledOrThrow(outcome, `the pending addresses of integration ${integrationId}`);
  return { added, refused, left: left.length };
}
