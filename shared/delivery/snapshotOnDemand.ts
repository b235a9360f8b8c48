// A user's snapshot on an operator's request: what we have told the PBX, at a
// version above everything sent before for the user, then a fresh read.
import { conflict, notFound, type Refusal } from '../outcome';
import type { PbxStatus } from '../pbx/pbxEvent';
import type { QueueSender } from '../queue/queuePort';
import { currentStatus, statusDigest } from '../status/currentStatus';
import { optimisticUpdate, type StoredRow } from '../storage/optimisticUpdate';
import type { AbsenceRecord, IntegrationRecord, UserRecord } from '../storage/records';
import type { AbsenceRepository, IntegrationRepository, UserRepository } from '../storage/repositories';
import { deliveryMessage, snapshotRequest } from '../sync/absenceWebhooks';
import { syncMessageAt } from '../sync/syncRequest';
import { versionClock } from '../sync/versionClock';

export interface SnapshotDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  users: Pick<UserRepository, 'get' | 'update'>;
  absences: Pick<AbsenceRepository, 'listForUser'>;
  queue: QueueSender;
  now: () => Date;
}

export type SnapshotResult =
  | { kind: 'queued'; webhookId: string; absences: number; version: number }
  | Refusal;

/**
 * Sends the user's current absences as a `user.snapshot`, for a PBX that lost
 * its state or an operator who wants to be sure, and has the calendar read
 * afresh after it.
 *
 * The snapshot's version is a floor for the user at the PBX, so it must be
 * above every version sent before for them, also when we hold nothing (no
 * rows, only tombstones, rows purged, or the user removed and added again):
 * the sync's version clock (`versionClock`), which is above every stored
 * version, every earlier snapshot and the wall clock. A user whose rows are
 * gone has only the wall clock to go by; versions are taken from it (plus a
 * millisecond per change faster than it), so this assumes the instances'
 * clocks agree to better than the time between the last change sent for the
 * old user and this snapshot. The version is recorded on the user row first,
 * so every later sync's versions are above it, even on an instance whose
 * clock is behind this one.
 *
 * A sync of the user may be running meanwhile, with versions taken before
 * this one and rows not saved when this snapshot read them: the PBX would
 * drop its changes as older than the snapshot. The fresh read queued after
 * the snapshot runs after that sync (one sync of a user at a time) and ends
 * in a snapshot above this one that carries them.
 */
export async function resendSnapshot(
  integrationId: string,
  userId: string,
  deps: SnapshotDeps,
): Promise<SnapshotResult> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  // Its PBX has been (or is being) told every absence is gone (integrationEnding.ts): a snapshot would undo that.
  if (!integration.active) return conflict('the integration is inactive; activate it to send snapshots');
  if (!(await deps.users.get(integrationId, userId))) return notFound('no such user');
  const rows = await deps.absences.listForUser(integrationId, userId);
  const now = deps.now();
  const rules = integration.ruleSet;
  const marked = await optimisticUpdate(freshUserRow(deps.users, integrationId, userId), (user) => {
    const snapshotVersion = versionClock(now, user, rows);
    // The status rides in the snapshot and is recorded as sent, at the snapshot's version.
    const status = rules.status.send ? statusOf(rows, user, rules, now) : undefined;
    return {
      ...user,
      snapshotVersion,
      ...(status ? { statusDigest: statusDigest(status), statusVersion: snapshotVersion } : {}),
    };
  });
  if (marked.kind === 'notFound') return notFound('no such user');
  if (marked.kind === 'conflict') return conflict('the user row kept changing; try again');
  const user = marked.value;
  const request = snapshotRequest(
    integrationId,
    { id: user.id, email: user.email },
    rows,
    { upserted: [], deleted: [] },
    now,
    user.snapshotVersion ?? now.getTime(),
    rules.status.send ? statusOf(rows, user, rules, now) : undefined,
  );
  await deps.queue.send('deliveries', [deliveryMessage(request)]);
  await deps.queue.send('sync', [
    syncMessageAt({ integrationId, userId, cause: 'resync', reconcile: true }, now, now),
  ]);
  const event = request.event;
  return {
    kind: 'queued',
    webhookId: request.webhookId,
    absences: event.type === 'user.snapshot' ? event.data.absences.length : 0,
    version: event.type === 'user.snapshot' ? event.data.version : 0,
  };
}

/** Read past this instance's kept copy: another instance's sync may have moved the row on. */
function statusOf(
  rows: readonly AbsenceRecord[],
  user: UserRecord,
  rules: IntegrationRecord['ruleSet'],
  now: Date,
): PbxStatus {
  return currentStatus(
    rows.filter((row) => !row.deleted),
    user,
    rules,
    now.getTime(),
  );
}

function freshUserRow(
  users: SnapshotDeps['users'],
  integrationId: string,
  userId: string,
): StoredRow<UserRecord> {
  return {
    read: () => users.get(integrationId, userId, { fresh: true }),
    write: (next, etag) => users.update(next, etag),
  };
}
