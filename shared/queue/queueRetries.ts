// Retries of queue handlers with growing pauses. When a handler throws, the
// Service Bus trigger abandons the message and Service Bus offers it again at
// once, up to the queue's maximum delivery count: the Functions runtime's retry
// policies (fixed delay, exponential backoff) exist for Cosmos DB, Event Hubs,
// Kafka and timer triggers only, so a short Tables, Graph or Key Vault outage
// would use up every delivery within seconds.
//   https://learn.microsoft.com/azure/azure-functions/functions-bindings-error-pages#retries
// So the handler's failure is caught here, and a copy of the message is sent
// scheduled after the next pause of the schedule (jittered, so the messages of
// one outage do not all come back in the same second), in the same session, with
// the attempt number in its application properties; the original then completes.
//
// After the last attempt the message must reach the dead-letter queue. A Node.js
// function can dead-letter explicitly only through the SDK-type bindings'
// ServiceBusMessageActions (package @azure/functions-extensions-servicebus,
// which this app does not ship):
//   https://learn.microsoft.com/javascript/api/@azure/functions-extensions-servicebus/servicebusmessageactions
// so the last attempt rethrows and Service Bus's own maximum delivery count
// moves it there, with the reason MaxDeliveryCountExceeded:
//   https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues#maximum-delivery-count
// When sending the copy fails, the handler's error is rethrown: the queue
// offers the original again and nothing is lost.
//
// A queue whose messages carry no data of their own (a sync only says "read
// this user's calendar") may fold: a message that fails while this instance
// has a retry of its session scheduled and not yet due, which does all the
// message asks, sends no copy of its own and is not dead-lettered. That
// retry reads the calendar after this failure, so nothing the message would
// have read is lost, and a failing user ends in one dead letter instead of one
// per chain (a notification's leading sync and its follow-up are two).

import { createHash } from 'node:crypto';
import { failureForLog, type Logger } from '../logger';
import { SERVICE_BUS_ID_MAX } from './outgoingMessage';
import type {
  ApplicationProperties,
  OutgoingMessage,
  QueueName,
  QueueSender,
  ReceivedMessageInfo,
} from './queuePort';

/** Application properties a retried copy carries (camelCase: the Functions worker camel-cases these keys). */
export const RETRY_PROPERTIES = {
  /** 1 on the first attempt; each copy one more. Redeliveries of one copy keep its number. */
  attempt: 'queueAttempt',
  /** The id of the first message of the chain, from which every copy's id is derived. */
  firstMessageId: 'firstMessageId',
  /** What made the previous attempt fail: the error's name and code, never its text. */
  lastFailure: 'lastFailure',
} as const;

export interface QueueRetryPolicy {
  /** Pause before attempt n + 2 after attempt n + 1 failed; its length + 1 is the number of attempts. */
  pausesSeconds: readonly number[];
  /** Spread of each pause, e.g. 0.2 for ±20 %. */
  jitter: number;
  /** 0..1; injectable so tests know the exact pause. */
  random?: () => number;
}

export interface QueueRetryDeps {
  queue: QueueSender;
  policy: QueueRetryPolicy;
  /** The service clock: scheduled times are compared with it (the simulator's clock locally). */
  now: () => Date;
  log: Logger;
  /** Only for queues whose messages may stand for each other (see the top of this file). */
  folding?: RetryFolding;
}

/** How a queue's failed messages fold into a retry already scheduled (see the top of this file). */
export interface RetryFolding {
  /** This instance's scheduled retries, kept for the life of the process. */
  book: ScheduledRetries;
  /** Whether a retry of body `pending` does everything a message of body `failing` asks of the same session. */
  covers(pending: unknown, failing: unknown): boolean;
}

export interface ScheduledRetry {
  messageId: string;
  dueAt: number;
  body: unknown;
}

/** The latest retry this instance scheduled per session. */
export interface ScheduledRetries {
  /** The session's retry that is not yet due at `now`, if any. */
  pending(sessionId: string, now: number): ScheduledRetry | undefined;
  record(sessionId: string, retry: ScheduledRetry, now: number): void;
}

/** Sessions kept before the ones whose retry is past are swept out. */
const SCHEDULED_RETRIES_SWEEP_AT = 1000;

export function scheduledRetries(): ScheduledRetries {
  const bySession = new Map<string, ScheduledRetry>();
  return {
    pending(sessionId, now) {
      const retry = bySession.get(sessionId);
      return retry && retry.dueAt > now ? retry : undefined;
    },
    record(sessionId, retry, now) {
      const known = bySession.get(sessionId);
      // The one due last stands longest for the messages that fail meanwhile.
      if (!known || known.dueAt <= now || known.dueAt <= retry.dueAt) bySession.set(sessionId, retry);
      if (bySession.size <= SCHEDULED_RETRIES_SWEEP_AT) return;
      for (const [session, scheduled] of bySession) if (scheduled.dueAt <= now) bySession.delete(session);
    },
  };
}

export interface AttemptInfo {
  /** 1 on the first attempt. */
  attempt: number;
  /** Not the first time this request is handled: a redelivery or a retried copy. */
  again: boolean;
}

/** A queue handler wrapped with retries: parses nothing, handles the already-parsed message. */
export type RetryingHandler = (
  body: unknown,
  info: ReceivedMessageInfo,
  handle: (attempt: AttemptInfo) => Promise<void>,
) => Promise<void>;

/** The attempt a received message is, from its application properties (1 when absent or unreadable). */
export function attemptOf(info: Pick<ReceivedMessageInfo, 'applicationProperties'>): number {
  const value = Number(info.applicationProperties[RETRY_PROPERTIES.attempt]);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/** The first message id of the chain a received message belongs to. */
export function firstMessageIdOf(
  info: Pick<ReceivedMessageInfo, 'messageId' | 'applicationProperties'>,
): string {
  const first = info.applicationProperties[RETRY_PROPERTIES.firstMessageId];
  // The worker JSON-parses property values, so a numeric-looking id can arrive as a number.
  return first === undefined || first === '' ? info.messageId : String(first);
}

/**
 * A message id derived from the chain's first id: the same for the same
 * suffix (a second send of one retry is dropped by duplicate detection) and
 * different per suffix, within Service Bus's 128 characters (a first id too
 * long to take the suffix is replaced by its hash).
 *   https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
 */
export function derivedMessageId(firstMessageId: string, suffix: string): string {
  const tail = `~${suffix}`;
  if (firstMessageId.length + tail.length <= SERVICE_BUS_ID_MAX) return `${firstMessageId}${tail}`;
  return `h:${createHash('sha256').update(firstMessageId).digest('base64url')}${tail}`;
}

/** The id of attempt `attempt` (2 or more) of the chain. */
export function retryMessageId(firstMessageId: string, attempt: number): string {
  return derivedMessageId(firstMessageId, `a${attempt}`);
}

/** The pause before the attempt after `failedAttempt`, or undefined when that was the last. */
export function pauseAfter(policy: QueueRetryPolicy, failedAttempt: number): number | undefined {
  const base = policy.pausesSeconds[failedAttempt - 1];
  if (base === undefined) return undefined;
  const random = policy.random ?? Math.random;
  const seconds = base * (1 + policy.jitter * (random() * 2 - 1));
  return Math.max(0, Math.round(seconds * 1000));
}

/** The copy of a failed message that comes back at `scheduledAt` as the chain's next attempt. */
export function retryCopy(
  body: unknown,
  info: ReceivedMessageInfo,
  failure: string,
  scheduledAt: Date,
): OutgoingMessage {
  const first = firstMessageIdOf(info);
  const next = attemptOf(info) + 1;
  const applicationProperties: ApplicationProperties = {
    ...info.applicationProperties,
    [RETRY_PROPERTIES.attempt]: next,
    [RETRY_PROPERTIES.firstMessageId]: first,
    [RETRY_PROPERTIES.lastFailure]: failure,
  };
  return {
    body,
    messageId: retryMessageId(first, next),
    ...(info.sessionId !== undefined ? { sessionId: info.sessionId } : {}),
    scheduledEnqueueTime: scheduledAt,
    applicationProperties,
  };
}

/** The error's name and code or status: enough to tell outages apart, nothing a message could carry. */
export function failureLabel(error: unknown): string {
  const facts = failureForLog(error);
  const name = typeof facts.error === 'string' ? facts.error : 'Error';
  const detail = [facts.code, facts.status].filter((part) => part !== undefined).map(String);
  return (detail.length > 0 ? `${name} (${detail.join(', ')})` : name).slice(0, 200);
}

export function retryingHandler(queue: QueueName, deps: QueueRetryDeps): RetryingHandler {
  return async (body, info, handle) => {
    const attempt = attemptOf(info);
    try {
      await handle({ attempt, again: attempt > 1 || info.deliveryCount > 1 });
      return;
    } catch (error) {
      // Ids, counts and the error's name only: bodies can carry event subjects.
      const context = { queue, messageId: info.messageId, attempt, deliveryCount: info.deliveryCount };
      const into = foldedInto(body, info, deps);
      if (into) {
        deps.log.warn('queue message failed; its session has a retry scheduled that stands for it', {
          ...context,
          foldedInto: into.messageId,
          retryAt: new Date(into.dueAt).toISOString(),
          ...failureForLog(error),
        });
        return;
      }
      const delayMs = pauseAfter(deps.policy, attempt);
      if (delayMs === undefined) {
        deps.log.error('queue message failed on its last attempt; Service Bus dead-letters it', {
          ...context,
          ...failureForLog(error),
        });
        throw error;
      }
      const scheduledAt = new Date(deps.now().getTime() + delayMs);
      const copy = retryCopy(body, info, failureLabel(error), scheduledAt);
      try {
        await deps.queue.send(queue, [copy]);
        // Recorded once sent: only a retry that will come may stand for other messages.
        if (deps.folding && info.sessionId !== undefined) {
          deps.folding.book.record(
            info.sessionId,
            { messageId: copy.messageId, dueAt: scheduledAt.getTime(), body },
            deps.now().getTime(),
          );
        }
      } catch (sendError) {
        deps.log.error('queue message failed and its retry could not be sent; the queue offers it again', {
          ...context,
          ...failureForLog(sendError),
        });
        throw error;
      }
      deps.log.warn('queue message failed; retry scheduled', {
        ...context,
        nextAttempt: attempt + 1,
        retryAt: scheduledAt.toISOString(),
        ...failureForLog(error),
      });
    }
  };
}

/** The retry already scheduled that does all this failed message asks, when folding applies. */
function foldedInto(
  body: unknown,
  info: ReceivedMessageInfo,
  deps: QueueRetryDeps,
): ScheduledRetry | undefined {
  if (!deps.folding || info.sessionId === undefined) return undefined;
  const pending = deps.folding.book.pending(info.sessionId, deps.now().getTime());
  // A message is never folded into itself: its own copy is what it schedules next.
  if (!pending || pending.messageId === info.messageId) return undefined;
  return deps.folding.covers(pending.body, body) ? pending : undefined;
}
