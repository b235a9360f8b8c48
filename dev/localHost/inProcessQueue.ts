// The queue for local runs and tests. It keeps the Service Bus behaviour the
// code relies on (at-least-once with a delivery count, dead-letter after a
// maximum, scheduled delivery, duplicate detection by message id at send time,
// sessions handled one message at a time), so what passes here holds in Azure.

import { serializeOutgoingMessage } from '../../shared/queue/outgoingMessage';
import type {
  ApplicationProperties,
  OutgoingMessage,
  QueueName,
  QueueSender,
  ReceivedMessageInfo,
} from '../../shared/queue/queuePort';

export interface InProcessQueueOptions {
  /** Deliveries before a failing message is dead-lettered (Service Bus default: 10). */
  maxDeliveryCount?: number;
  /** Duplicate detection window (Service Bus default: 10 minutes). */
  duplicateWindowMs?: number;
  /** Clock for duplicate detection and enqueued times. */
  now?: () => number;
  /**
   * Clock that scheduled times are compared with (real timers wait the
   * difference). The local host passes the simulator's movable clock, so
   * messages scheduled "in Graph time" still come due after the real delay.
   */
  scheduleNow?: () => number;
  /** Pause before a failed message is offered again, so a failing handler does not spin. */
  retryDelayMs?: number;
  /** Told about every handler failure (the message will be retried or dead-lettered). */
  onHandlerError?: (queue: QueueName, info: ReceivedMessageInfo, error: unknown) => void;
}

export type QueueHandler = (body: unknown, info: ReceivedMessageInfo) => Promise<void>;

export interface SubscribeOptions {
  /** Messages of one session one at a time, in order; like a session-enabled queue. */
  sessions?: boolean;
  /** Messages (or sessions) handled at once; defaults follow host.json (16 calls, 8 sessions). */
  maxConcurrency?: number;
}

export interface DeadLetter {
  body: unknown;
  info: ReceivedMessageInfo;
  /** The last error message of the handler (local diagnostics; Service Bus does not keep it). */
  reason: string;
  /** What Service Bus writes as DeadLetterReason (the dead-letter port shows this one). */
  deadLetterReason: string;
  deadLetterErrorDescription: string;
  deadLetteredAt: Date;
}

export interface QueueStats {
  /** Due and waiting for a handler. */
  ready: number;
  scheduled: number;
  inFlight: number;
  /** Failed and waiting to be offered again. */
  retrying: number;
  completed: number;
  deadLettered: number;
  duplicatesDropped: number;
}

export interface IdleOptions {
  /** Also wait for scheduled messages due within `scheduledHorizonMs`. */
  includeScheduled?: boolean;
  /** Default 10 s; messages scheduled further out never count as pending work. */
  scheduledHorizonMs?: number;
}

export interface InProcessQueue extends QueueSender {
  /** One subscriber per queue; returns the unsubscribe function (in-flight handlers finish). */
  subscribe(queue: QueueName, handler: QueueHandler, options?: SubscribeOptions): () => void;
  /**
   * Resolves once nothing can happen without outside help: no handler running,
   * no retry pending, nothing due for a subscribed queue (and, if asked, nothing
   * scheduled within the horizon).
   */
  idle(options?: IdleOptions): Promise<void>;
  deadLetters(queue: QueueName): DeadLetter[];
  /**
   * Removes dead letters (these message ids, or all) from the dead-letter
   * queue and answers them, oldest first, as a receive-and-complete would.
   */
  takeDeadLetters(queue: QueueName, messageIds?: readonly string[]): DeadLetter[];
  stats(queue: QueueName): QueueStats;
  /** Stops timers and handlers; pending `idle()` calls resolve, later sends fail. */
  close(): void;
}

interface StoredMessage {
  sequence: number;
  messageId: string;
  sessionId?: string;
  json: string;
  applicationProperties: ApplicationProperties;
  enqueuedTime: Date;
  deliveryCount: number;
}

interface Subscriber {
  handler: QueueHandler;
  sessions: boolean;
  maxConcurrency: number;
}

interface ScheduledEntry {
  message: StoredMessage;
  dueAt: number;
  timer: NodeJS.Timeout;
}

interface QueueState {
  name: QueueName;
  /** Sorted by sequence number, so a retried message goes back before later ones of its session. */
  ready: StoredMessage[];
  scheduled: Set<ScheduledEntry>;
  retryTimers: Set<NodeJS.Timeout>;
  lockedSessions: Set<string>;
  sentIds: Map<string, number>;
  deadLetters: DeadLetter[];
  subscriber?: Subscriber;
  inFlight: number;
  completed: number;
  duplicatesDropped: number;
}

interface IdleWaiter {
  options: IdleOptions;
  resolve: () => void;
}

/** setTimeout fires at once for delays above 2^31-1 ms; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;
const DEFAULT_SCHEDULED_HORIZON_MS = 10_000;

export function createInProcessQueue(options: InProcessQueueOptions = {}): InProcessQueue {
  const maxDeliveryCount = options.maxDeliveryCount ?? 10;
  const duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const scheduleNow = options.scheduleNow ?? Date.now;
  const retryDelayMs = options.retryDelayMs ?? 50;
  const queues = new Map<QueueName, QueueState>();
  const waiters = new Set<IdleWaiter>();
  let sequence = 0;
  let closed = false;

  function stateOf(name: QueueName): QueueState {
    let state = queues.get(name);
    if (!state) {
      state = {
        name,
        ready: [],
        scheduled: new Set(),
        retryTimers: new Set(),
        lockedSessions: new Set(),
        sentIds: new Map(),
        deadLetters: [],
        inFlight: 0,
        completed: 0,
        duplicatesDropped: 0,
      };
      queues.set(name, state);
    }
    return state;
  }

  function makeReady(state: QueueState, message: StoredMessage): void {
    let index = state.ready.length;
    while (index > 0 && (state.ready[index - 1]?.sequence ?? 0) > message.sequence) index--;
    state.ready.splice(index, 0, message);
  }

  function schedule(state: QueueState, message: StoredMessage, dueAt: number): void {
    const entry: ScheduledEntry = {
      message,
      dueAt,
      timer: setTimeout(
        () => {
          state.scheduled.delete(entry);
          if (scheduleNow() < dueAt) {
            schedule(state, message, dueAt);
            return;
          }
          makeReady(state, message);
          pump(state);
          settleWaiters();
        },
        Math.min(dueAt - scheduleNow(), MAX_TIMER_MS),
      ),
    };
    state.scheduled.add(entry);
  }

  function isDuplicate(state: QueueState, messageId: string, at: number): boolean {
    for (const [id, sentAt] of state.sentIds) {
      if (at - sentAt < duplicateWindowMs) break;
      state.sentIds.delete(id);
    }
    const sentAt = state.sentIds.get(messageId);
    return sentAt !== undefined && at - sentAt < duplicateWindowMs;
  }

  async function send(queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
    if (closed) throw new Error('The in-process queue is closed');
    // Check every message before enqueuing any, so a refused send leaves the queue untouched.
    const serialized = messages.map((message) => serializeOutgoingMessage(message));
    const state = stateOf(queue);
    for (const [index, message] of messages.entries()) {
      const at = now();
      if (isDuplicate(state, message.messageId, at)) {
        state.duplicatesDropped++;
        continue;
      }
      // Re-inserting keeps the map in send order, which the expiry sweep above relies on.
      state.sentIds.delete(message.messageId);
      state.sentIds.set(message.messageId, at);
      const stored: StoredMessage = {
        sequence: ++sequence,
        messageId: message.messageId,
        sessionId: message.sessionId,
        json: serialized[index] ?? 'null',
        applicationProperties: { ...message.applicationProperties },
        enqueuedTime: new Date(at),
        deliveryCount: 0,
      };
      const dueAt = message.scheduledEnqueueTime?.getTime();
      if (dueAt !== undefined && dueAt > scheduleNow()) schedule(state, stored, dueAt);
      else makeReady(state, stored);
    }
    pump(state);
    settleWaiters();
  }

  function nextReadyIndex(state: QueueState, subscriber: Subscriber): number {
    if (!subscriber.sessions) return state.ready.length > 0 ? 0 : -1;
    return state.ready.findIndex(
      (message) => message.sessionId === undefined || !state.lockedSessions.has(message.sessionId),
    );
  }

  function pump(state: QueueState): void {
    const subscriber = state.subscriber;
    if (!subscriber || closed) return;
    while (state.inFlight < subscriber.maxConcurrency) {
      const index = nextReadyIndex(state, subscriber);
      if (index < 0) return;
      const [message] = state.ready.splice(index, 1);
      if (message) void deliver(state, subscriber, message);
    }
  }

  async function deliver(state: QueueState, subscriber: Subscriber, message: StoredMessage): Promise<void> {
    const sessionId = subscriber.sessions ? message.sessionId : undefined;
    if (sessionId !== undefined) state.lockedSessions.add(sessionId);
    state.inFlight++;
    message.deliveryCount++;
    const info: ReceivedMessageInfo = {
      messageId: message.messageId,
      deliveryCount: message.deliveryCount,
      enqueuedTime: new Date(message.enqueuedTime),
      applicationProperties: { ...message.applicationProperties },
      ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
    };
    let failure: { error: unknown } | undefined;
    try {
      if (subscriber.sessions && message.sessionId === undefined) {
        // Service Bus refuses such a send to a session-enabled queue; here it can only fail loudly.
        throw new Error('message without sessionId on a session-enabled queue');
      }
      await subscriber.handler(JSON.parse(message.json), info);
    } catch (error) {
      failure = { error };
    }
    state.inFlight--;
    if (closed) return;
    if (!failure) {
      state.completed++;
      if (sessionId !== undefined) state.lockedSessions.delete(sessionId);
    } else {
      options.onHandlerError?.(state.name, info, failure.error);
      const unrecoverable = subscriber.sessions && message.sessionId === undefined;
      if (message.deliveryCount >= maxDeliveryCount || unrecoverable) {
        state.deadLetters.push({
          body: JSON.parse(message.json),
          info,
          reason: reasonOf(failure.error),
          // Service Bus's own words for both cases:
          // https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues#moving-messages-to-the-dlq
          ...(unrecoverable
            ? {
                deadLetterReason: 'Session ID is null.',
                deadLetterErrorDescription:
                  "Session enabled entity doesn't allow a message whose session identifier is null.",
              }
            : {
                deadLetterReason: 'MaxDeliveryCountExceeded',
                deadLetterErrorDescription: "Message couldn't be consumed after maximum delivery attempts.",
              }),
          deadLetteredAt: new Date(now()),
        });
        if (sessionId !== undefined) state.lockedSessions.delete(sessionId);
      } else {
        // The session stays locked while its message waits, so later messages of it cannot overtake.
        const timer = setTimeout(() => {
          state.retryTimers.delete(timer);
          if (sessionId !== undefined) state.lockedSessions.delete(sessionId);
          makeReady(state, message);
          pump(state);
          settleWaiters();
        }, retryDelayMs);
        state.retryTimers.add(timer);
      }
    }
    pump(state);
    settleWaiters();
  }

  function subscribe(
    queue: QueueName,
    handler: QueueHandler,
    subscribeOptions: SubscribeOptions = {},
  ): () => void {
    if (closed) throw new Error('The in-process queue is closed');
    const state = stateOf(queue);
    if (state.subscriber) throw new Error(`Queue ${queue} already has a subscriber`);
    const sessions = subscribeOptions.sessions ?? false;
    const maxConcurrency = subscribeOptions.maxConcurrency ?? (sessions ? 8 : 16);
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError('maxConcurrency must be a positive integer');
    }
    const subscriber: Subscriber = { handler, sessions, maxConcurrency };
    state.subscriber = subscriber;
    pump(state);
    return () => {
      if (state.subscriber === subscriber) state.subscriber = undefined;
      settleWaiters();
    };
  }

  function isIdle(idleOptions: IdleOptions): boolean {
    if (closed) return true;
    const horizon = scheduleNow() + (idleOptions.scheduledHorizonMs ?? DEFAULT_SCHEDULED_HORIZON_MS);
    for (const state of queues.values()) {
      if (state.inFlight > 0 || state.retryTimers.size > 0) return false;
      if (state.subscriber && state.ready.length > 0) return false;
      if (idleOptions.includeScheduled) {
        for (const entry of state.scheduled) if (entry.dueAt <= horizon) return false;
      }
    }
    return true;
  }

  function settleWaiters(): void {
    for (const waiter of waiters) {
      if (isIdle(waiter.options)) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  function idle(idleOptions: IdleOptions = {}): Promise<void> {
    if (isIdle(idleOptions)) return Promise.resolve();
    return new Promise((resolve) => waiters.add({ options: idleOptions, resolve }));
  }

  function deadLetters(queue: QueueName): DeadLetter[] {
    return stateOf(queue).deadLetters.map((letter) => ({ ...letter }));
  }

  function takeDeadLetters(queue: QueueName, messageIds?: readonly string[]): DeadLetter[] {
    const state = stateOf(queue);
    const wanted = messageIds ? new Set(messageIds) : undefined;
    const taken = state.deadLetters.filter((letter) => !wanted || wanted.has(letter.info.messageId));
    state.deadLetters = state.deadLetters.filter((letter) => !taken.includes(letter));
    return taken;
  }

  function stats(queue: QueueName): QueueStats {
    const state = stateOf(queue);
    return {
      ready: state.ready.length,
      scheduled: state.scheduled.size,
      inFlight: state.inFlight,
      retrying: state.retryTimers.size,
      completed: state.completed,
      deadLettered: state.deadLetters.length,
      duplicatesDropped: state.duplicatesDropped,
    };
  }

  function close(): void {
    closed = true;
    for (const state of queues.values()) {
      for (const entry of state.scheduled) clearTimeout(entry.timer);
      for (const timer of state.retryTimers) clearTimeout(timer);
      state.scheduled.clear();
      state.retryTimers.clear();
      state.subscriber = undefined;
    }
    settleWaiters();
  }

  return { send, subscribe, idle, deadLetters, takeDeadLetters, stats, close };
}

function reasonOf(error: unknown): string {
  // Structural, because errors can come from another realm (e.g. fetch under jest) where instanceof fails.
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
  ) {
    return error.message;
  }
  return String(error);
}
