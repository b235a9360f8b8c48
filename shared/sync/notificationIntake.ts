import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { QueueSender } from '../queue/queuePort';
import type { SubscriptionRecord } from '../storage/records';
import type { SubscriptionRepository } from '../storage/repositories';
import { type LifecycleEvent, lifecycleEventOf } from '../subscriptions/lifecycleEvent';
import { coalescedSyncMessage } from './syncRequest';

/** Graph's change-notification collection. Only what we act on is required; the rest passes through unread. */
export const changeNotificationSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(128).nullish(),
  changeType: z.string().max(100).optional(),
  resource: z.string().max(2000).optional(),
  tenantId: z.string().max(100).optional(),
  subscriptionExpirationDateTime: z.string().max(100).optional(),
  lifecycleEvent: z.string().max(100).optional(),
});
export const notificationBatchSchema = z.object({
  value: z.array(changeNotificationSchema).min(1).max(1000),
});
export type ChangeNotification = z.infer<typeof changeNotificationSchema>;

export interface IntakeResult {
  /** Users a sync was queued for. */
  queued: number;
  accepted: number;
  unknownSubscription: number;
  badClientState: number;
}

export interface IntakeDeps {
  subscriptions: Pick<SubscriptionRepository, 'get'>;
  queue: QueueSender;
  now: () => Date;
  coalesceSeconds: number;
  log: Logger;
  /** Optional lookup cache so a burst does not read the same row again and again. */
  cache?: SubscriptionCache;
  /** Lifecycle events queue a catch-up sync too; the cause is kept for the logs. */
  cause?: 'notification' | 'lifecycle';
}

/** Equal-time comparison of secrets of any length (hashing first makes the lengths equal). */
export function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export interface SubscriptionCache {
  get(id: string): SubscriptionRecord | null | undefined;
  set(id: string, record: SubscriptionRecord | null): void;
}

/** Short-lived cache; `null` remembers "unknown" too, so a flood of forged ids costs one read each per TTL. */
export function subscriptionCache(
  ttlMs: number,
  now: () => number = Date.now,
  maxEntries = 50_000,
  /** Short, so a subscription stored just after Graph's first notification is found soon after. */
  unknownTtlMs = Math.min(ttlMs, 5_000),
): SubscriptionCache {
  const entries = new Map<string, { record: SubscriptionRecord | null; until: number }>();
  return {
    get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (entry.until < now()) {
        entries.delete(id);
        return undefined;
      }
      return entry.record;
    },
    set(id, record) {
      if (entries.size >= maxEntries) entries.clear();
      entries.set(id, { record, until: now() + (record ? ttlMs : unknownTtlMs) });
    },
  };
}

/**
 * Verifies each notification against the subscription we stored and queues
 * one sync per user. Nothing from the notification body is trusted beyond the
 * subscription id: the user comes from our own record.
 */
export async function acceptChangeNotifications(
  notifications: ChangeNotification[],
  deps: IntakeDeps,
): Promise<IntakeResult> {
  const result: IntakeResult = { queued: 0, accepted: 0, unknownSubscription: 0, badClientState: 0 };
  const records = new Map<string, SubscriptionRecord | null>();
  await Promise.all(
    [...new Set(notifications.map((n) => n.subscriptionId))].map(async (id) => {
      records.set(id, await lookup(id, deps));
    }),
  );
  const users = new Map<string, { integrationId: string; userId: string; lifecycleEvent?: LifecycleEvent }>();
  for (const notification of notifications) {
    const record = records.get(notification.subscriptionId);
    if (!record) {
      result.unknownSubscription++;
      continue;
    }
    if (!sameSecret(record.clientState, notification.clientState ?? '')) {
      result.badClientState++;
      continue;
    }
    result.accepted++;
    const lifecycleEvent =
      deps.cause === 'lifecycle' ? lifecycleEventOf(notification.lifecycleEvent ?? '') : undefined;
    users.set(`${record.integrationId}\n${record.userId}\n${lifecycleEvent ?? ''}`, {
      integrationId: record.integrationId,
      userId: record.userId,
      ...(lifecycleEvent ? { lifecycleEvent } : {}),
    });
  }
  if (result.unknownSubscription + result.badClientState > 0) {
    // Counts only: the ids could be an attacker's input and the clientState is a secret.
    deps.log.warn('dropped unverifiable change notifications', {
      unknownSubscription: result.unknownSubscription,
      badClientState: result.badClientState,
    });
  }
  const now = deps.now();
  const messages = [...users.values()].map((user) =>
    coalescedSyncMessage({ ...user, cause: deps.cause ?? 'notification' }, now, deps.coalesceSeconds),
  );
  if (messages.length > 0) await deps.queue.send('sync', messages);
  result.queued = messages.length;
  return result;
}

async function lookup(id: string, deps: IntakeDeps): Promise<SubscriptionRecord | null> {
  const cached = deps.cache?.get(id);
  if (cached !== undefined) return cached;
  const record = (await deps.subscriptions.get(id)) ?? null;
  deps.cache?.set(id, record);
  return record;
}
