// The `user.status` webhook and the scheduled message that looks at a user's
// status again when its current state ends (the status tick). Both are built
// here so the sync, the tick and an operator's snapshot send the same thing.

import type { DeliveryRequest, PbxStatus, PbxUser } from '../pbx/pbxEvent';
import { PBX_SCHEMA_VERSION } from '../pbx/pbxEvent';
import type { OutgoingMessage } from '../queue/queuePort';
import { shortUserKey } from './absenceWebhooks';
import { type SyncRequest, syncMessageAt } from './syncRequest';

/** Like the absence webhooks' ids, stable across retries of one status: it names the user and the version. */
export function statusRequest(
  integrationId: string,
  user: PbxUser,
  status: PbxStatus,
  version: number,
  now: Date,
): DeliveryRequest {
  return {
    webhookId: `stat_${shortUserKey(user.id)}_${version}`,
    integrationId,
    event: {
      type: 'user.status',
      schemaVersion: PBX_SCHEMA_VERSION,
      timestamp: now.toISOString(),
      integrationId,
      data: { user, version, status },
    },
  };
}

/**
 * The tick that finds the next state when the current one ends, without
 * reading the calendar: the status changes at `until` by time alone. It goes
 * on the sync queue, in the user's session, so it never runs beside a sync of
 * the user. Its id names the instant, so the tick of one `until` is queued
 * once however many syncs saw it (duplicate detection). A tick whose state was
 * since changed by a sync finds the status it would send already sent.
 * Service Bus hides a scheduled message from receivers until its time, and
 * the time "may not be exact" under load, never earlier
 * (https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.servicebusreceivedmessage.scheduledenqueuetime);
 * the tick reads the status at its own clock, so a late tick still finds it.
 */
export function statusTick(
  integrationId: string,
  userId: string,
  status: PbxStatus,
  now: Date,
): OutgoingMessage<SyncRequest> | undefined {
  const until = status.current.until;
  if (until === null) return undefined;
  const at = new Date(Date.parse(until));
  if (!Number.isFinite(at.getTime())) return undefined;
  return syncMessageAt({ integrationId, userId, cause: 'statusDue' }, at, now);
}
