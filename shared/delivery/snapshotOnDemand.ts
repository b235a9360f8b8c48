import { notFound, type Refusal } from '../outcome';
import type { QueueSender } from '../queue/queuePort';
import type { AbsenceRepository, IntegrationRepository, UserRepository } from '../storage/repositories';
import { deliveryMessage, snapshotRequest } from '../sync/absenceWebhooks';

export interface SnapshotDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  absences: Pick<AbsenceRepository, 'listForUser'>;
  queue: QueueSender;
  now: () => Date;
}

export type SnapshotResult =
  | { kind: 'queued'; webhookId: string; absences: number; version: number }
  | Refusal;

/**
 * Sends the user's current absences as a `user.snapshot`, for a PBX that lost
 * its state or an operator who wants to be sure. Built from what the PBX has
 * been told (the stored absences), so it never races a running sync into a
 * stale picture: its version stays below anything that sync is sending.
 */
export async function resendSnapshot(
  integrationId: string,
  userId: string,
  deps: SnapshotDeps,
): Promise<SnapshotResult> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  const user = (await deps.users.get(integrationId, userId))?.value;
  if (!user) return notFound('no such user');
  const rows = await deps.absences.listForUser(integrationId, userId);
  const request = snapshotRequest(
    integrationId,
    { id: user.id, email: user.email },
    rows,
    { upserted: [], deleted: [] },
    deps.now(),
    1,
  );
  await deps.queue.send('deliveries', [deliveryMessage(request)]);
  const event = request.event;
  return {
    kind: 'queued',
    webhookId: request.webhookId,
    absences: event.type === 'user.snapshot' ? event.data.absences.length : 0,
    version: event.type === 'user.snapshot' ? event.data.version : 0,
  };
}
