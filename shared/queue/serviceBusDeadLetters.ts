// Dead letters in Service Bus: each queue's dead-letter sub-queue, reached with
// a receiver created with `subQueueType: 'deadLetter'`. The sub-queue is not
// session-enabled even when its queue is, so a plain receiver reads it.
//   https://learn.microsoft.com/javascript/api/@azure/service-bus/servicebusreceiveroptions
//   https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues
// Listing peeks (nothing is locked or changed). Resubmitting receives in
// peekLock, sends a fresh copy to the main queue and only then completes the
// dead letter, so a failure in between leaves it where it was (at worst the
// copy went out and the dead letter stays: the next resubmit sends a second
// copy, which the handlers take as they take any redelivery). Dead letters not
// asked for are abandoned at once, which gives their lock back.
// Reading needs the Listen right; sending the copy, Send (both granted to the
// functions' identity for their triggers and sends).
import type { TokenCredential } from '@azure/identity';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { Config } from '../config';
import { failureForLog, type Logger } from '../logger';
import {
  type DeadLetteredMessage,
  type DeadLetterListing,
  type DeadLetters,
  newestFirst,
  type ResubmitResult,
  resubmittedCopy,
  summaryOf,
} from './deadLetters';
import type { ApplicationProperties, QueueName, QueueSender } from './queuePort';
import { createServiceBusClient } from './serviceBusQueue';

/** The fields of a received message we read. */
export type DeadLetterMessageLike = Pick<
  ServiceBusReceivedMessage,
  | 'messageId'
  | 'body'
  | 'sessionId'
  | 'applicationProperties'
  | 'deadLetterReason'
  | 'deadLetterErrorDescription'
  | 'enqueuedTimeUtc'
>;

/** The part of `ServiceBusReceiver` we use, so tests can hand in a fake of the same shape. */
export interface DeadLetterReceiverLike<Message extends DeadLetterMessageLike = DeadLetterMessageLike> {
  peekMessages(maxMessageCount: number): Promise<Message[]>;
  receiveMessages(maxMessageCount: number, options: { maxWaitTimeInMs: number }): Promise<Message[]>;
  completeMessage(message: Message): Promise<void>;
  abandonMessage(message: Message): Promise<void>;
  close(): Promise<void>;
}

export interface DeadLetterClientLike<Message extends DeadLetterMessageLike = DeadLetterMessageLike> {
  createReceiver(
    queueName: string,
    options: { subQueueType: 'deadLetter'; receiveMode: 'peekLock' },
  ): DeadLetterReceiverLike<Message>;
}

export interface ServiceBusDeadLettersOptions {
  /** How long one receive waits for the next dead letter; default 2 s (the sub-queue is read at rest). */
  receiveWaitMs?: number;
  /** The dashboard waits no longer than this for a listing; default 5 s, as for the queue figures. */
  listTimeoutMs?: number;
  now?: () => Date;
}

/** Dead letters received per round while resubmitting. */
const RECEIVE_BATCH = 20;
/** Dead letters looked at in one resubmit, asked for or not: bounds the request's time. */
const SCAN_LIMIT = 500;

export function serviceBusDeadLettersFromConfig(
  config: Pick<Config, 'QUEUE_MODE' | 'ServiceBusConnection__fullyQualifiedNamespace'>,
  credential: () => TokenCredential,
  sender: QueueSender,
  now: () => Date,
): DeadLetters {
  const namespace = config.ServiceBusConnection__fullyQualifiedNamespace;
  if (config.QUEUE_MODE !== 'servicebus' || !namespace) {
    return unreadableDeadLetters('this host has no Service Bus to read');
  }
  // Built on first use, so a start never opens a connection that only the dashboard needs.
  let client: DeadLetterClientLike | undefined;
  const lazy: DeadLetterClientLike = {
    createReceiver: (queue, options) => {
      client ??= createServiceBusClient(namespace, credential());
      return client.createReceiver(queue, options);
    },
  };
  return serviceBusDeadLetters(lazy, sender, { now });
}

/** For a host without a dead-letter queue to read. */
export function unreadableDeadLetters(reason: string): DeadLetters {
  return {
    list: async () => ({ available: false, reason }),
    resubmit: async () => {
      throw new Error(`cannot resubmit dead letters: ${reason}`);
    },
  };
}

export function serviceBusDeadLetters<Message extends DeadLetterMessageLike>(
  client: DeadLetterClientLike<Message>,
  sender: QueueSender,
  options: ServiceBusDeadLettersOptions = {},
): DeadLetters {
  const receiveWaitMs = options.receiveWaitMs ?? 2_000;
  const listTimeoutMs = options.listTimeoutMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  const open = (queue: QueueName) =>
    client.createReceiver(queue, { subQueueType: 'deadLetter', receiveMode: 'peekLock' });

  async function list(queue: QueueName, max: number, log: Logger): Promise<DeadLetterListing> {
    const receiver = open(queue);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), listTimeoutMs);
    });
    try {
      const peeked = await Promise.race([receiver.peekMessages(max), late]);
      if (peeked === 'late') {
        log.warn('dead letters could not be read in time', { queue, timeoutMs: listTimeoutMs });
        return { available: false, reason: 'Service Bus did not answer in time' };
      }
      return {
        available: true,
        letters: newestFirst(
          peeked.map((m) => summaryOf(queue, deadLettered(m))),
          max,
        ),
      };
    } catch (error) {
      log.warn('dead letters could not be read', { queue, ...failureForLog(error) });
      return { available: false, reason: 'Service Bus did not answer' };
    } finally {
      clearTimeout(timer);
      // Not awaited: a hung link must not hold the dashboard past the timeout.
      void receiver.close().catch(() => undefined);
    }
  }

  async function resubmit(
    queue: QueueName,
    messageIds: readonly string[] | undefined,
    max: number,
  ): Promise<ResubmitResult> {
    const wanted = messageIds ? new Set(messageIds) : undefined;
    const resubmitted: string[] = [];
    const looked = new Set<string>();
    const receiver = open(queue);
    try {
      while (resubmitted.length < max && looked.size < SCAN_LIMIT) {
        if (wanted && resubmitted.length === wanted.size) break;
        const batch = await receiver.receiveMessages(RECEIVE_BATCH, { maxWaitTimeInMs: receiveWaitMs });
        let unseen = 0;
        for (const message of batch) {
          const letter = deadLettered(message);
          const fresh = !looked.has(letter.messageId);
          looked.add(letter.messageId);
          if (fresh) unseen++;
          const chosen = fresh && (!wanted || wanted.has(letter.messageId)) && resubmitted.length < max;
          if (!chosen) {
            await receiver.abandonMessage(message);
            continue;
          }
          await sender.send(queue, [resubmittedCopy(letter, now())]);
          await receiver.completeMessage(message);
          resubmitted.push(letter.messageId);
        }
        // Nothing new came: the sub-queue is empty, or only hands back what we let go of.
        if (unseen === 0) break;
      }
    } finally {
      await receiver.close().catch(() => undefined);
    }
    return { resubmitted, notFound: [...(wanted ?? [])].filter((id) => !resubmitted.includes(id)) };
  }

  return { list, resubmit };
}

function deadLettered(message: DeadLetterMessageLike): DeadLetteredMessage {
  return {
    messageId: String(message.messageId),
    body: message.body,
    ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
    applicationProperties: plainProperties(message.applicationProperties),
    ...(message.deadLetterReason !== undefined ? { reason: message.deadLetterReason } : {}),
    ...(message.deadLetterErrorDescription !== undefined
      ? { description: message.deadLetterErrorDescription }
      : {}),
    ...(message.enqueuedTimeUtc !== undefined ? { at: message.enqueuedTimeUtc } : {}),
  };
}

/** The SDK's properties may hold dates and numbers of AMQP's own; we only ever set strings, numbers and booleans. */
function plainProperties(properties: DeadLetterMessageLike['applicationProperties']): ApplicationProperties {
  const kept: ApplicationProperties = {};
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      kept[key] = value;
  }
  return kept;
}
