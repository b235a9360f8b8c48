import type { Client } from '@microsoft/microsoft-graph-client';
import { diffAbsences } from '../domain/absenceDiff';
import { classifyGraphError } from '../graph/graphErrors';
import { checkMailbox } from '../graph/mailboxes';
import { deleteSubscription } from '../graph/subscriptions';
import { findUser } from '../graph/users';
import type { Logger } from '../logger';
import { conflict, invalid, notFound, type Refusal } from '../outcome';
import type { QueueSender } from '../queue/queuePort';
import { PENDING_PROBLEM_MAX_CHARS } from '../storage/integrationEntity';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import { PropertyTooLargeError } from '../storage/propertyLimits';
import type { IntegrationRecord, PendingUser, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { InvalidKeyError } from '../storage/tableKeys';
import { userToEntity } from '../storage/userEntity';
import {
  mailboxRefusal,
  markUnreadable,
  replaceSubscription,
  subscribeUser,
  unreadableUser,
} from '../subscriptions/subscriptionKeeper';
import { deliveryMessage, deliveryRequestsFor } from '../sync/absenceWebhooks';
import { syncMessageAt } from '../sync/syncRequest';

export interface ProvisioningDeps {
  repos: Repositories;
  graphFor(integration: IntegrationRecord): Client;
  queue: QueueSender;
  now: () => Date;
  urls: { notification: string; lifecycle: string };
  subscriptionMinutes: number;
  defaultTimeZone: string;
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
  if (ongoing.length === 0) return;
  const changes = diffAbsences(ongoing, [], { kind: 'full' }, now.getTime());
  const requests = deliveryRequestsFor(integration.id, { id: user.id, email: user.email }, changes, now);
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
}

/**
 * Adds one pending address; undefined when added, else why not. A failure of
 * this one address (Graph, or a row we cannot store) is its reason, so it
 * never stops the addresses after it.
 */
async function addPending(
  integrationId: string,
  address: string,
  deps: ProvisioningDeps,
): Promise<string | undefined> {
  try {
    const result = await addUser(integrationId, address, deps);
    return result.kind === 'added' ? undefined : result.reason;
  } catch (error) {
    const unstorable = error instanceof PropertyTooLargeError || error instanceof InvalidKeyError;
    deps.log.warn('a pending address could not be added after consent', {
      integrationId,
      error: error instanceof Error ? error.name : 'error',
      status: classifyGraphError(error)?.status,
    });
    if (unstorable) return `cannot be stored: ${error.message}`;
    const status = classifyGraphError(error)?.status;
    return `could not be added${status ? ` (Microsoft Graph answered ${status})` : ''}; tried again at the next consent`;
  }
}

/**
 * After consent (first or renewed): every known user gets a live
 * subscription and a sync, and the addresses asked for before consent are
 * resolved and added. Each user is handled on its own, so one bad mailbox
 * does not stop the others.
 */
export async function provisionIntegration(
  integrationId: string,
  deps: ProvisioningDeps,
): Promise<ProvisioningReport> {
  const report: ProvisioningReport = { subscribed: 0, synced: 0, added: 0, refused: 0 };
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (integration?.consentState !== 'granted' || !integration.tenantId) return report;
  const now = deps.now();
  for (const user of await deps.repos.users.listByIntegration(integrationId)) {
    try {
      const subscription = user.subscriptionId
        ? await deps.repos.subscriptions.get(user.subscriptionId)
        : undefined;
      if (!subscription || Date.parse(subscription.expiresAt) <= now.getTime()) {
        await replaceSubscription(integration, user, deps);
        report.subscribed++;
      }
    } catch (error) {
      const refusal = mailboxRefusal(error);
      if (refusal) {
        // A sync would only be refused too; the maintenance run tries the mailbox again.
        await markUnreadable(user, refusal, deps);
        continue;
      }
      // The maintenance run re-creates missing subscriptions; the sync below still runs.
      deps.log.warn('could not subscribe a user after consent', {
        userId: user.id,
        status: classifyGraphError(error)?.status,
      });
    }
    await deps.queue.send('sync', [
      syncMessageAt({ integrationId, userId: user.id, cause: 'provisioned' }, now, now),
    ]);
    report.synced++;
  }
  const handled = new Map<string, PendingUser | undefined>();
  for (const pending of integration.pendingUsers ?? []) {
    const problem = await addPending(integrationId, pending.address, deps);
    if (problem === undefined) report.added++;
    else report.refused++;
    handled.set(
      pending.address,
      problem === undefined ? undefined : { address: pending.address, problem: shortReason(problem) },
    );
  }
  if (handled.size > 0) {
    // Added addresses leave the list, refused ones keep their reason, and any asked for meanwhile stay.
    const outcome = await optimisticUpdate(
      integrationRow(deps.repos.integrations, integrationId),
      ({ pendingUsers, ...rest }) => {
        const left = (pendingUsers ?? []).flatMap((p) => {
          const after = handled.has(p.address) ? handled.get(p.address) : p;
          return after ? [after] : [];
        });
        return left.length > 0 ? { ...rest, pendingUsers: left } : rest;
      },
    );
    settledOrThrow(outcome, `the pending addresses of integration ${integrationId}`);
  }
  deps.log.info('integration provisioned', { integrationId, ...report });
  return report;
}
