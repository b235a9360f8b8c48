// Ending an integration: before it is deleted or left inactive, its PBX is
// told that every user has no absence and (when the rules send statuses) is
// available, so a PBX never keeps diverting calls for an integration that is
// gone. Two phases, because a webhook needs the integration's row and PBX
// secret: first the integration is marked as ending and one last, empty
// `user.snapshot` is queued per user; then, once those deliveries are settled
// (or the deadline has passed), the integration is removed or its
// deactivation finished. The maintenance run drives the second phase (and
// catches up on the first), so an ending survives restarts.
// docs/pbx-webhooks.md, "When an integration ends", is the PBX's side of this.

import { removeUser } from '../onboarding/userProvisioning';
import type { DeliveryRequest } from '../pbx/pbxEvent';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../pbx/retrySchedule';
import { currentStatus } from '../status/currentStatus';
import { integrationRow, optimisticUpdate } from '../storage/optimisticUpdate';
import type { IntegrationEnding, IntegrationRecord, UserRecord } from '../storage/records';
import { deliveryMessage, snapshotRequest } from '../sync/absenceWebhooks';
import { versionClock } from '../sync/versionClock';
import type { AdminDeps } from './integrations';

export interface EndingPolicy {
  /**
   * How long another instance may still act on its kept copy of the active
   * integration row (INTEGRATION_CACHE_SECONDS): a sync it starts meanwhile
   * takes versions from its clock, so the last snapshot is dated past that.
   */
  staleRowMs: number;
  /** How long an ending waits for its deliveries at most (`endingDeadlineMs`). */
  deadlineMs: number;
}

const DAY_MS = 24 * 3_600_000;

/**
 * A delivery that is still being retried settles by itself when the retry
 * schedule is used up: its pauses, stretched by the jitter, are the longest
 * a webhook can stay pending. A day more covers deferrals (every PBX slot
 * taken) and a queue that was backed up. Past that the ending goes on, so a
 * PBX that never answers cannot keep an integration alive for ever.
 */
export function endingDeadlineMs(policy: RetryPolicy): number {
  const scheduleMs = policy.scheduleSeconds.reduce((sum, seconds) => sum + seconds, 0) * 1000;
  return Math.ceil(scheduleMs * (1 + policy.jitter)) + DAY_MS;
}

export const DEFAULT_ENDING_POLICY: EndingPolicy = {
  staleRowMs: 30_000,
  deadlineMs: endingDeadlineMs(DEFAULT_RETRY_POLICY),
};

/** A queued snapshot that has no row in the delivery log after this long was lost (a crash after marking the user): queued again. */
const REQUEUE_AFTER_MS = 10 * 60_000;
/** Users marked at once; each is a read and a write of their rows. */
const PARALLEL_USERS = 8;
/** Snapshots per queue send. */
const SEND_BATCH = 100;

export type EndingProgress =
  | { kind: 'waiting'; users: number; settled: number; queued: number }
  | { kind: 'finished'; ending: IntegrationEnding['kind']; users: number; deadlinePassed: boolean }
  | { kind: 'notEnding' };

/** The ending's mark on the integration row, for an integration that has none yet. */
export function newEnding(kind: IntegrationEnding['kind'], now: Date, deps: Pick<AdminDeps, 'endingPolicy'>) {
  const policy = deps.endingPolicy ?? DEFAULT_ENDING_POLICY;
  return {
    kind,
    since: now.toISOString(),
    deadline: new Date(now.getTime() + policy.deadlineMs).toISOString(),
  } satisfies IntegrationEnding;
}

/**
 * How much one step may start: the API's step marks a first page of users so
 * the operator's request stays short, the maintenance run's marks users until
 * its run budget is spent; the next step goes on from there.
 */
export interface EndingStepLimit {
  newSnapshots?: number;
  /** Service-clock ms after which no more users are marked. */
  until?: number;
}

/** Users the operator's request marks itself; a large integration's rest is the maintenance run's. */
export const FIRST_STEP_SNAPSHOTS = 200;

/**
 * One step of an ending: queues the last snapshot for every user who has
 * none for this ending yet (within `limit`), and finishes the ending once
 * every one of them is delivered or failed for good in the delivery log, or
 * the deadline passed. Idempotent: the API runs it once right away, the
 * maintenance run every time until it answers `finished`.
 */
export async function advanceEnding(
  integrationId: string,
  deps: AdminDeps,
  limit: EndingStepLimit = {},
): Promise<EndingProgress> {
  const integration = (await deps.repos.integrations.get(integrationId, { fresh: true }))?.value;
  const ending = integration?.ending;
  if (!integration || !ending) return { kind: 'notEnding' };
  const now = deps.now();
  const users = await deps.repos.users.listByIntegration(integrationId);
  const since = Date.parse(ending.since);
  const messages: ReturnType<typeof deliveryMessage>[] = [];
  let settled = 0;
  let next = 0;
  let started = 0;
  const mayStart = () =>
    started < (limit.newSnapshots ?? Number.POSITIVE_INFINITY) &&
    (limit.until === undefined || deps.now().getTime() < limit.until);
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++] as UserRecord;
      const snapshot = user.endingSnapshot;
      if (!snapshot || Date.parse(snapshot.queuedAt) < since) {
        if (!mayStart()) continue;
        started++;
        const marked = await markLastSnapshot(integration, user, now, deps);
        if (marked) messages.push(deliveryMessage(marked));
        continue;
      }
      const logged = await deps.repos.deliveries.get(integrationId, snapshot.webhookId);
      if (logged?.state === 'delivered' || logged?.state === 'failed') settled++;
      else if (!logged && now.getTime() - Date.parse(snapshot.queuedAt) > REQUEUE_AFTER_MS) {
        messages.push(deliveryMessage(lastSnapshot(integration, user, snapshot.version, snapshot.queuedAt)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_USERS, users.length) }, worker));
  // An operator who activated the integration again meanwhile has had every user read afresh:
  // an empty snapshot sent now could outrank that read's.
  if (messages.length > 0 && !(await stillEnding(integrationId, ending, deps))) return { kind: 'notEnding' };
  for (let at = 0; at < messages.length; at += SEND_BATCH) {
    await deps.queue.send('deliveries', messages.slice(at, at + SEND_BATCH));
  }
  const deadlinePassed = now.getTime() >= Date.parse(ending.deadline);
  if (settled < users.length && !deadlinePassed) {
    return { kind: 'waiting', users: users.length, settled, queued: messages.length };
  }
  await finishEnding(integration, ending, users, deps);
  deps.log.info('integration ending finished', {
    integrationId,
    ending: ending.kind,
    users: users.length,
    unsettled: users.length - settled,
  });
  return { kind: 'finished', ending: ending.kind, users: users.length, deadlinePassed };
}

/**
 * Records the last snapshot on the user row before it is queued: its version
 * then counts in the user's version clock (a reactivated integration's next
 * snapshot outranks it), and a crash before the send is seen by the next step.
 *
 * The version is above every version sent before for the user
 * (`versionClock`) and dated past the time another instance may still run a
 * sync on its kept copy of the integration row as active: that sync's
 * versions are taken from its clock, so the PBX drops what it sends as older
 * than this snapshot. Like the operator's snapshot (snapshotOnDemand.ts) this
 * assumes the instances' clocks agree to better than that margin.
 */
async function markLastSnapshot(
  integration: IntegrationRecord,
  user: UserRecord,
  now: Date,
  deps: AdminDeps,
): Promise<DeliveryRequest | undefined> {
  const policy = deps.endingPolicy ?? DEFAULT_ENDING_POLICY;
  const rows = await deps.repos.absences.listForUser(integration.id, user.id);
  const queuedAt = now.toISOString();
  // The id depends on the user and the time only, so it is known before the version.
  const webhookId = lastSnapshot(integration, user, 0, queuedAt).webhookId;
  const marked = await optimisticUpdate(
    {
      read: () => deps.repos.users.get(integration.id, user.id, { fresh: true }),
      write: (next, etag) => deps.repos.users.update(next, etag),
    },
    (current) => {
      const version = Math.max(versionClock(now, current, rows), now.getTime() + policy.staleRowMs + 1);
      return { ...current, snapshotVersion: version, endingSnapshot: { webhookId, version, queuedAt } };
    },
  );
  // A user removed meanwhile has nothing left to tell; one whose row keeps changing is tried on the next step.
  if (marked.kind !== 'updated') return undefined;
  return lastSnapshot(integration, marked.value, marked.value.endingSnapshot?.version ?? 0, queuedAt);
}

/** The same request every time for the same user, version and time, so a send repeated is deduplicated by its id. */
function lastSnapshot(
  integration: IntegrationRecord,
  user: UserRecord,
  version: number,
  queuedAt: string,
): DeliveryRequest {
  const at = new Date(queuedAt);
  const request = snapshotRequest(
    integration.id,
    { id: user.id, email: user.email },
    [],
    { upserted: [], deleted: [] },
    at,
    version,
  );
  if (!integration.ruleSet.status.send || request.event.type !== 'user.snapshot') return request;
  const status = currentStatus([], user, integration.ruleSet, at.getTime());
  return { ...request, event: { ...request.event, data: { ...request.event.data, status } } };
}

async function finishEnding(
  integration: IntegrationRecord,
  ending: IntegrationEnding,
  users: readonly UserRecord[],
  deps: AdminDeps,
): Promise<void> {
  if (ending.kind === 'delete') {
    await removeIntegration(integration, users, deps);
    return;
  }
  // Only this ending: a reactivation, a new ending or a deletion since it was read is left alone.
  await optimisticUpdate(integrationRow(deps.repos.integrations, integration.id), (current) => {
    if (current.ending?.since !== ending.since || current.ending.kind !== 'deactivate') return undefined;
    const { ending: _done, ...rest } = current;
    return { ...rest, updatedAt: deps.now().toISOString() };
  });
}

async function stillEnding(
  integrationId: string,
  ending: IntegrationEnding,
  deps: AdminDeps,
): Promise<boolean> {
  const current = (await deps.repos.integrations.get(integrationId, { fresh: true }))?.value;
  return current?.ending?.since === ending.since;
}

/** Everything goes: users (with their Graph subscriptions), absences, the PBX secret, the Exchange password, the row. */
export async function removeIntegration(
  integration: IntegrationRecord,
  users: readonly UserRecord[],
  deps: AdminDeps,
): Promise<void> {
  for (const user of users) {
    // The PBX has been told already (or there was nothing to tell): no absence.deleted flood.
    await removeUser(integration.id, user.id, deps, { notifyPbx: false });
  }
  await deps.secrets.delete(integration.pbxSecretName).catch(() => undefined);
  if (integration.exchangeServer) {
    await deps.secrets.delete(integration.exchangeServer.passwordSecretName).catch(() => undefined);
  }
  await deps.repos.integrations.delete(integration.id);
  deps.log.info('integration deleted', { integrationId: integration.id });
}
