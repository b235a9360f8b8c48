// Graph's change and lifecycle notifications, verified and turned into sync
// requests. Everything here may come from an anonymous caller: an item is
// trusted only once its subscription id is one we stored and its clientState
// matches ours, and what a forged item costs is bounded in
// subscriptionLookups.ts.

import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { failureForLog, type Logger } from '../logger';
import type { QueueSender } from '../queue/queuePort';
import type { SubscriptionRepository } from '../storage/repositories';
import { type LifecycleEvent, lifecycleEventOf } from '../subscriptions/lifecycleEvent';
import { isGraphSubscriptionId, type SubscriptionLookups } from './subscriptionLookups';
import { coalescedSyncMessage, notificationSyncMessages } from './syncRequest';

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
/**
 * The collection's outer shape. Items are parsed one by one
 * (parseNotifications), so one malformed item never costs the others.
 */
export const notificationBatchSchema = z.object({
  value: z.array(z.unknown()).min(1).max(1000),
});
export type ChangeNotification = z.infer<typeof changeNotificationSchema>;

export interface ParsedNotifications {
  notifications: ChangeNotification[];
  malformed: number;
  /** Why the first malformed item was refused (the answer when no item is usable). */
  firstProblem?: string;
}

export function parseNotifications(items: readonly unknown[]): ParsedNotifications {
  const parsed: ParsedNotifications = { notifications: [], malformed: 0 };
  items.forEach((item, index) => {
    const one = changeNotificationSchema.safeParse(item);
    if (one.success) {
      parsed.notifications.push(one.data);
      return;
    }
    parsed.malformed++;
    if (parsed.firstProblem === undefined) {
      const issue = one.error.issues[0];
      const path = ['value', index, ...(issue?.path ?? [])].join('.');
      parsed.firstProblem = `body does not match the schema at ${path}: ${issue?.message ?? 'invalid'}`;
    }
  });
  return parsed;
}

export interface IntakeResult {
  /** Users a sync was queued for. */
  queued: number;
  accepted: number;
  unknownSubscription: number;
  badClientState: number;
  /** Not shaped like a Graph subscription id: refused without a read. */
  malformedSubscriptionId: number;
  /** Left unread because the POST's lookup budget ran out first. */
  unchecked: number;
  /** Their read failed: Graph should deliver them again. */
  unverifiable: number;
}

/**
 * Whether Graph should deliver the POST again: a read failed, or the POST
 * proved itself with a verified item (so it is Graph's) and still had ids
 * left unread when its time ran out. A forged POST never proves itself, so
 * no forged input earns a retry answer.
 */
export function needsRedelivery(result: IntakeResult): boolean {
  return result.unverifiable > 0 || (result.accepted > 0 && result.unchecked > 0);
}

export interface IntakeDeps {
  subscriptions: Pick<SubscriptionRepository, 'get'>;
  queue: QueueSender;
  now: () => Date;
  coalesceSeconds: number;
  log: Logger;
  /** The instance's memory of subscription ids and its bounded read slots. */
  lookups: SubscriptionLookups;
  /** Lifecycle events queue a catch-up sync too; the cause is kept for the logs. */
  cause?: 'notification' | 'lifecycle';
}

/** Equal-time comparison of secrets of any length (hashing first makes the lengths equal). */
export function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
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
  const result: IntakeResult = {
    queued: 0,
    accepted: 0,
    unknownSubscription: 0,
    badClientState: 0,
    malformedSubscriptionId: 0,
    unchecked: 0,
    unverifiable: 0,
  };
  const clientStates = new Map<string, Set<string>>();
  for (const { subscriptionId, clientState } of notifications) {
    if (!isGraphSubscriptionId(subscriptionId)) continue;
    const states = clientStates.get(subscriptionId) ?? new Set<string>();
    states.add(clientState ?? '');
    clientStates.set(subscriptionId, states);
  }
  const lookups = await deps.lookups.resolve(
    [...clientStates.keys()],
    (id) => deps.subscriptions.get(id),
    (record) =>
      [...(clientStates.get(record.subscriptionId) ?? [])].some((given) =>
        sameSecret(record.clientState, given),
      ),
  );
  const failures: unknown[] = [];
  const users = new Map<string, { integrationId: string; userId: string; lifecycleEvent?: LifecycleEvent }>();
  for (const notification of notifications) {
    const lookup = lookups.get(notification.subscriptionId);
    if (!lookup) {
      result.malformedSubscriptionId++;
      continue;
    }
    if (lookup.kind !== 'known') {
      if (lookup.kind === 'unknown') result.unknownSubscription++;
      else if (lookup.kind === 'unchecked') result.unchecked++;
      else {
        result.unverifiable++;
        failures.push(lookup.error);
      }
      continue;
    }
    const record = lookup.record;
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
  const dropped =
    result.unknownSubscription + result.badClientState + result.malformedSubscriptionId + result.unchecked;
  if (dropped > 0) {
    // Counts only: the ids could be an attacker's input and the clientState is a secret.
    deps.log.warn('dropped unverifiable change notifications', {
      unknownSubscription: result.unknownSubscription,
      badClientState: result.badClientState,
      malformedSubscriptionId: result.malformedSubscriptionId,
      unchecked: result.unchecked,
    });
  }
  if (failures.length > 0) {
    deps.log.error('could not read subscriptions to verify notifications', {
      unverifiable: result.unverifiable,
      ...failureForLog(failures[0]),
    });
  }
  const now = deps.now();
  // A lifecycle event's sync sees to the subscription first; nothing waits on it, so it keeps the bucket's end.
  const messages = [...users.values()].flatMap((user) =>
    deps.cause === 'lifecycle'
      ? [coalescedSyncMessage({ ...user, cause: 'lifecycle' }, now, deps.coalesceSeconds)]
      : notificationSyncMessages({ ...user, cause: 'notification' }, now, deps.coalesceSeconds),
  );
  if (messages.length > 0) await deps.queue.send('sync', messages);
  result.queued = users.size;
  return result;
}
