// The status tick: a scheduled message on the sync queue, due when a user's
// current state ends (statusWebhooks.ts, `statusTick`). It reads the stored
// absences, not the calendar, and sends `user.status` if the status differs
// from the one last queued, then schedules the tick of the new state's end.
// A tick made stale by a sync since (the sync sent the new status already)
// finds nothing to send and schedules nothing: that sync scheduled its own.

import { currentStatus, statusDigest } from '../status/currentStatus';
import { optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import type { IntegrationRecord } from '../storage/records';
import { deliveryMessage } from './absenceWebhooks';
import { statusRequest, statusTick } from './statusWebhooks';
import type { SyncDeps, SyncOutcome } from './userSync';
import { versionClock } from './versionClock';

export async function refreshStatus(
  integration: IntegrationRecord,
  userId: string,
  deps: Pick<SyncDeps, 'repos' | 'queue' | 'now' | 'log'>,
): Promise<SyncOutcome> {
  if (!integration.ruleSet.status.send) return { kind: 'skipped', why: 'the rules send no statuses' };
  // Fresh: the digest decides whether to send, and a kept row may predate the last status.
  const stored = await deps.repos.users.get(integration.id, userId, { fresh: true });
  if (!stored) return { kind: 'skipped', why: 'user not found' };
  const known = await deps.repos.absences.listForUser(integration.id, userId);
  const now = deps.now();
  const user = stored.value;
  const status = currentStatus(
    known.filter((absence) => !absence.deleted),
    user,
    integration.ruleSet,
    now.getTime(),
  );
  const digest = statusDigest(status);
  if (digest === user.statusDigest) return { kind: 'statusChecked', sent: false };
  const version = versionClock(now, user, known);
  const pbxUser = { id: user.id, email: user.email };
  await deps.queue.send('deliveries', [
    deliveryMessage(statusRequest(integration.id, pbxUser, status, version, now)),
  ]);
  const tick = statusTick(integration.id, user.id, status, now);
  if (tick) await deps.queue.send('sync', [tick]);
  const saved = await optimisticUpdate(
    {
      read: () => deps.repos.users.get(integration.id, userId, { fresh: true }),
      write: (value, etag) => deps.repos.users.update(value, etag),
    },
    (current) => ({
      ...current,
      statusDigest: digest,
      statusVersion: Math.max(version, current.statusVersion ?? 0),
    }),
  );
  // A lost race fails the tick; its retry sends the status again at a higher version, which is harmless.
  settledOrThrow(saved, `status of user ${userId}`);
  deps.log.info('user status sent', { userId, version });
  return { kind: 'statusChecked', sent: true };
}
