import { createHash } from 'node:crypto';
import { z } from 'zod';
import { INTEGRATION_ID_MAX_LENGTH, USER_ID_MAX_LENGTH } from '../domain/identifiers';
import type { OutgoingMessage } from '../queue/queuePort';
import { LIFECYCLE_EVENTS } from '../subscriptions/lifecycleEvent';

/** A message on the `sync` queue: "look at this user's calendar". Carries no calendar data. */
export const syncRequestSchema = z.object({
  integrationId: z.string().min(1).max(INTEGRATION_ID_MAX_LENGTH),
  userId: z.string().min(1).max(USER_ID_MAX_LENGTH),
  cause: z.enum([
    'notification',
    'lifecycle',
    'catchUp',
    'resync',
    'provisioned',
    'throttled',
    'rulesChanged',
    // The current status ends now: look at it again without reading the calendar (statusWebhooks.ts).
    'statusDue',
  ]),
  requestedAt: z.string(),
  /** A fresh round with a snapshot, whatever the stored delta link says (see `SyncAttempt` in userSync.ts). */
  reconcile: z.boolean().optional(),
  /** Set when a lifecycle notification asked for this sync; the subscription is seen to first. */
  lifecycleEvent: z.enum(LIFECYCLE_EVENTS).optional(),
});
export type SyncRequest = z.infer<typeof syncRequestSchema>;

/**
 * Service Bus takes message and session ids of at most 128 characters, and the
 * ids below put the user's key beside a prefix, a time and a lifecycle event.
 * The key stays readable while it fits in 80 characters (every Graph object id
 * beside any integration id does); a longer one is a hash of both ids.
 * https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
 */
const READABLE_KEY_MAX = 80;

/** The session key: Service Bus hands one session to one receiver at a time, so a user's syncs never overlap. */
export function syncSessionId(integrationId: string, userId: string): string {
  const readable = `${integrationId}:${userId}`;
  if (readable.length <= READABLE_KEY_MAX) return readable;
  return `h:${createHash('sha256').update(readable).digest('base64url')}`;
}

/**
 * One message per user per coalescing bucket. Every request that arrives
 * within a bucket maps to the same message id (duplicate detection drops the
 * rest), and the message is scheduled for the end of the bucket so the single
 * delta round it triggers sees every change of the burst. Catch-ups and
 * lifecycle events take this alone; notifications send it as their follow-up
 * (notificationSyncMessages).
 */
export function coalescedSyncMessage(
  request: Omit<SyncRequest, 'requestedAt'>,
  now: Date,
  coalesceSeconds: number,
): OutgoingMessage<SyncRequest> {
  const bucketMs = bucketMsOf(coalesceSeconds);
  const bucketEnd = Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs;
  return {
    ...bucketMessage(request, now, bucketEnd),
    ...(coalesceSeconds > 0 ? { scheduledEnqueueTime: new Date(bucketEnd) } : {}),
  };
}

/**
 * What one change notification queues: a leading message due now, so an
 * isolated change is read at once, and the bucket's follow-up at its end,
 * which reads whatever arrived while the leading round was queued or running.
 *
 * The leading message takes the id of the previous bucket's follow-up. For an
 * idle user that id is unused and the round starts at once. When the previous
 * bucket had notifications, its follow-up is already due (scheduled at this
 * bucket's start) or running, so the leading message is dropped as its
 * duplicate; a round already past its read is covered by this bucket's
 * follow-up. Every notification of a bucket builds the same two ids, so a
 * redelivered or repeated notification folds into them: a burst inside one
 * bucket costs two delta rounds, one crossing a bucket's end three, and a
 * steady stream one a bucket, as before. Nothing rests on the leading round:
 * the follow-up is scheduled after every notification that built it.
 * https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection
 */
export function notificationSyncMessages(
  request: Omit<SyncRequest, 'requestedAt'>,
  now: Date,
  coalesceSeconds: number,
): OutgoingMessage<SyncRequest>[] {
  const followUp = coalescedSyncMessage(request, now, coalesceSeconds);
  // Without a window every notification is due at once already.
  if (coalesceSeconds <= 0) return [followUp];
  const bucketEnd = followUp.scheduledEnqueueTime?.getTime() ?? now.getTime();
  const leading = bucketMessage(request, now, bucketEnd - bucketMsOf(coalesceSeconds));
  return [leading, followUp];
}

/** Whole milliseconds: a fraction (0.3 s is 300.00000000000006 ms) would blur the edges and the ids of buckets. */
function bucketMsOf(coalesceSeconds: number): number {
  return Math.max(1, Math.round(coalesceSeconds * 1000));
}

function bucketMessage(
  request: Omit<SyncRequest, 'requestedAt'>,
  now: Date,
  bucketEnd: number,
): OutgoingMessage<SyncRequest> {
  return {
    body: { ...request, requestedAt: now.toISOString() },
    // Lifecycle events get ids of their own: a notification in the same bucket must not swallow a renewal.
    messageId: `sync:${syncSessionId(request.integrationId, request.userId)}:${bucketEnd}${
      request.lifecycleEvent ? `:${request.lifecycleEvent}` : ''
    }`,
    sessionId: syncSessionId(request.integrationId, request.userId),
    applicationProperties: { cause: request.cause },
  };
}

/** An uncoalesced sync at a given time (throttling retries, resyncs). */
export function syncMessageAt(
  request: Omit<SyncRequest, 'requestedAt'>,
  at: Date,
  now: Date,
): OutgoingMessage<SyncRequest> {
  return {
    body: { ...request, requestedAt: now.toISOString() },
    messageId: `sync:${syncSessionId(request.integrationId, request.userId)}:${request.cause}:${at.getTime()}`,
    sessionId: syncSessionId(request.integrationId, request.userId),
    ...(at.getTime() > now.getTime() ? { scheduledEnqueueTime: at } : {}),
    applicationProperties: { cause: request.cause },
  };
}

/**
 * Whether a sync retry already scheduled (every retry reads a fresh round,
 * see `SyncAttempt` in userSync.ts) does all that a failed sync of the same
 * user asks: a lifecycle event must be its own, and an operator's rules
 * change or resync (read past the integration cache) needs one of those.
 */
export function syncRetryCovers(pending: unknown, failing: unknown): boolean {
  const scheduled = syncRequestSchema.safeParse(pending);
  const failed = syncRequestSchema.safeParse(failing);
  if (!scheduled.success || !failed.success) return false;
  const [p, f] = [scheduled.data, failed.data];
  if (p.integrationId !== f.integrationId || p.userId !== f.userId) return false;
  // A status tick reads no calendar, so it stands in for nothing but another tick.
  if (p.cause === 'statusDue' && f.cause !== 'statusDue') return false;
  if (f.lifecycleEvent !== undefined && f.lifecycleEvent !== p.lifecycleEvent) return false;
  const operators = (r: SyncRequest) => r.cause === 'rulesChanged' || r.cause === 'resync';
  return !operators(f) || operators(p);
}
