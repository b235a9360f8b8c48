// The dead-letter port: what the queues gave up on, for the operator's
// dashboard, and sending it back once the cause is fixed. Service Bus keeps a
// dead-letter sub-queue per queue, which nothing empties on its own
// (shared/queue/serviceBusDeadLetters.ts); the in-process queue keeps its own
// list locally (dev/localHost/inProcessDeadLetters.ts).
//   https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues
// A dead letter is shown by ids, reason and times only: the bodies can carry
// event subjects, which never reach the operator's screen or the logs.
import type { Logger } from '../logger';
import type { ApplicationProperties, OutgoingMessage, QueueName } from './queuePort';
import { attemptOf, derivedMessageId, firstMessageIdOf, RETRY_PROPERTIES } from './queueRetries';

export interface DeadLetterSummary {
  queue: QueueName;
  messageId: string;
  /** Service Bus's DeadLetterReason and description, e.g. MaxDeliveryCountExceeded. */
  reason: string;
  description?: string;
  /**
   * When it was dead-lettered locally; in Service Bus, when its last attempt
   * was enqueued (its immediate redeliveries follow within seconds).
   */
  deadLetteredAt?: string;
  /** The retry chain's attempt that was given up on. */
  attempts: number;
  /** The error name behind the last retry, when there was one. */
  lastFailure?: string;
  integrationId?: string;
  userId?: string;
}

export type DeadLetterListing =
  | { available: true; letters: DeadLetterSummary[] }
  | {
      available: false;
      /** Short and fit for the operator's screen: no error text, keys or addresses. */
      reason: string;
    };

export interface ResubmitResult {
  /** Message ids sent back to their queue as the first attempt of a new chain. */
  resubmitted: string[];
  /** Asked-for ids that were not (or no longer) in the dead-letter queue. */
  notFound: string[];
}

export interface DeadLetters {
  /** Up to `max` dead letters, newest first. Never rejects; a source that cannot read says why. */
  list(queue: QueueName, max: number, log: Logger): Promise<DeadLetterListing>;
  /**
   * Sends these dead letters (all, when no ids are given; at most `max`) back
   * to their queue as fresh messages, then removes them from the dead-letter
   * queue. A failure throws; what was sent before it stays sent.
   */
  resubmit(queue: QueueName, messageIds: readonly string[] | undefined, max: number): Promise<ResubmitResult>;
}

/** What a dead letter looks like to either adapter. */
export interface DeadLetteredMessage {
  messageId: string;
  body: unknown;
  sessionId?: string;
  applicationProperties: ApplicationProperties;
  reason?: string;
  description?: string;
  at?: Date;
}

/** One step into a JSON object, or undefined. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Integration and user ids, the only parts of a body that are shown: a sync
 * request carries `userId`, a delivery its event's `data.user.id`.
 */
function idsInBody(body: unknown): Pick<DeadLetterSummary, 'integrationId' | 'userId'> {
  const id = (value: unknown) => (typeof value === 'string' && value.length <= 256 ? value : undefined);
  const integrationId = id(field(body, 'integrationId'));
  const userId =
    id(field(body, 'userId')) ?? id(field(field(field(field(body, 'event'), 'data'), 'user'), 'id'));
  return {
    ...(integrationId !== undefined ? { integrationId } : {}),
    ...(userId !== undefined ? { userId } : {}),
  };
}

export function summaryOf(queue: QueueName, message: DeadLetteredMessage): DeadLetterSummary {
  const properties = message.applicationProperties;
  const lastFailure = properties[RETRY_PROPERTIES.lastFailure];
  return {
    queue,
    messageId: message.messageId,
    reason: message.reason ?? 'unknown',
    ...(message.description ? { description: message.description } : {}),
    ...(message.at ? { deadLetteredAt: message.at.toISOString() } : {}),
    attempts: attemptOf({ applicationProperties: properties }),
    ...(lastFailure !== undefined ? { lastFailure: String(lastFailure) } : {}),
    ...idsInBody(message.body),
  };
}

/** Newest first, then cut to `max`. */
export function newestFirst(letters: DeadLetterSummary[], max: number): DeadLetterSummary[] {
  return [...letters]
    .sort((a, b) => (b.deadLetteredAt ?? '').localeCompare(a.deadLetteredAt ?? ''))
    .slice(0, max);
}

/**
 * A dead letter sent back: the first attempt of a new retry chain, under an id
 * of its own (the old chain's ids may still sit in the duplicate-detection
 * window, which would silently drop the copy and every retry of it).
 */
export function resubmittedCopy(message: DeadLetteredMessage, now: Date): OutgoingMessage {
  const {
    [RETRY_PROPERTIES.attempt]: _attempt,
    [RETRY_PROPERTIES.firstMessageId]: _first,
    [RETRY_PROPERTIES.lastFailure]: _failure,
    ...kept
  } = message.applicationProperties;
  const first = firstMessageIdOf({
    messageId: message.messageId,
    applicationProperties: message.applicationProperties,
  });
  return {
    body: message.body,
    messageId: derivedMessageId(first, `r${now.getTime().toString(36)}`),
    ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
    applicationProperties: kept,
  };
}
