// The queue for local runs and tests. It keeps the Service Bus behaviour the
// code relies on (at-least-once with a delivery count, dead-letter after a
// maximum, scheduled delivery, duplicate detection by message id at send time,
// sessions handled one message at a time), so what passes here holds in Azure.
//
// Sessions are scheduled as the Functions Service Bus extension does: a
// session-enabled subscriber has `maxConcurrentSessions` slots; a slot that
// accepts a session keeps it, handling its messages one at a time in order,
// until `sessionIdleTimeout` passes without another message of it, and only
// then accepts the next session. A lock (session or message) is renewed for at
// most `maxAutoLockRenewalDuration`; a handler still running then has lost it,
// and the message is offered again while the first handler still runs.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
// https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.servicebussessionprocessoroptions

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
  /**
   * Messages (or, with sessions, session slots) handled at once: host.json's
   * maxConcurrentCalls or maxConcurrentSessions. Defaults are the extension's (16 and 8).
   */
  maxConcurrency?: number;
  /** How long a slot keeps an idle session before it takes the next one (sessionIdleTimeout; default the SDK's 60 s). */
  sessionIdleTimeoutMs?: number;
  /** How long a lock is renewed while the handler runs (maxAutoLockRenewalDuration; default 5 min). */
  maxAutoLockRenewalMs?: number;
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

export interface ScheduledMessageInfo {
  messageId: string;
  dueAt: Date;
  applicationProperties: ApplicationProperties;
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
  /** The messages scheduled for later, soonest first: what a peek at Service Bus's scheduled messages shows. */
  scheduledMessages(queue: QueueName): ScheduledMessageInfo[];
  /**
   * The `scheduleNow` clock jumped (a test moved it): every scheduled message
   * is timed again, so one whose time the jump passed comes due now instead of
   * after the real delay it was waiting for.
   */
  clockMoved(): void;
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
  sessionIdleTimeoutMs: number;
  maxAutoLockRenewalMs: number;
  /** With sessions: one per maxConcurrency. */
  slots: SessionSlot[];
}

/** One session receiver of a session-enabled subscriber. */
interface SessionSlot {
  /** The session this slot holds (accepted and locked), if any. */
  sessionId?: string;
  /** A handler runs for this slot (or its failed message waits to be offered again). */
  busy: boolean;
  /** Armed while the slot holds its session without work; on expiry the slot lets the session go. */
  idleTimer?: NodeJS.Timeout;
}

/** One hand-over of a message to a handler; the lock may be lost before the handler returns. */
interface Delivery {
  lockLost: boolean;
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
  lockTimers: Set<NodeJS.Timeout>;
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
        lockTimers: new Set(),
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

  function holder(subscriber: Subscriber, sessionId: string): SessionSlot | undefined {
    return subscriber.slots.find((slot) => slot.sessionId === sessionId);
  }

  function pump(state: QueueState): void {
    const subscriber = state.subscriber;
    if (!subscriber || closed) return;
    if (!subscriber.sessions) {
      while (state.inFlight < subscriber.maxConcurrency) {
        const message = state.ready.shift();
        if (!message) return;
        void deliver(state, subscriber, message, undefined);
      }
      return;
    }
    refuseSessionless(state);
    // A slot that holds a session takes that session's next message first, as a session receiver does.
    for (const slot of subscriber.slots) {
      if (slot.busy || slot.sessionId === undefined) continue;
      const index = state.ready.findIndex((message) => message.sessionId === slot.sessionId);
      const [message] = index < 0 ? [] : state.ready.splice(index, 1);
      if (message) void deliver(state, subscriber, message, slot);
    }
    // A free slot accepts the session of the oldest message no other slot holds.
    for (const slot of subscriber.slots) {
      if (slot.busy || slot.sessionId !== undefined) continue;
      const index = state.ready.findIndex(
        (message) => message.sessionId !== undefined && !holder(subscriber, message.sessionId),
      );
      const [message] = index < 0 ? [] : state.ready.splice(index, 1);
      if (!message) break;
      slot.sessionId = message.sessionId;
      void deliver(state, subscriber, message, slot);
    }
    for (const slot of subscriber.slots) {
      if (!slot.busy && slot.sessionId !== undefined && !slot.idleTimer) armIdleTimer(state, slot);
    }
  }

  function armIdleTimer(state: QueueState, slot: SessionSlot): void {
    const subscriber = state.subscriber;
    if (!subscriber) return;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.busy) return;
      slot.sessionId = undefined;
      pump(state);
      settleWaiters();
    }, subscriber.sessionIdleTimeoutMs);
  }

  function release(slot: SessionSlot | undefined): void {
    if (!slot) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.busy = false;
  }

  /** Service Bus refuses such a send to a session-enabled queue; here it can only fail loudly. */
  function refuseSessionless(state: QueueState): void {
    for (let index = state.ready.findIndex((m) => m.sessionId === undefined); index >= 0; ) {
      const [message] = state.ready.splice(index, 1);
      if (message) {
        message.deliveryCount++;
        const info = receivedInfo(message);
        const error = new Error('message without sessionId on a session-enabled queue');
        options.onHandlerError?.(state.name, info, error);
        state.deadLetters.push({
          body: JSON.parse(message.json),
          info,
          reason: error.message,
          deadLetterReason: 'Session ID is null.',
          deadLetterErrorDescription:
            "Session enabled entity doesn't allow a message whose session identifier is null.",
          deadLetteredAt: new Date(now()),
        });
      }
      index = state.ready.findIndex((m) => m.sessionId === undefined);
    }
  }

  function receivedInfo(message: StoredMessage): ReceivedMessageInfo {
    return {
      messageId: message.messageId,
      deliveryCount: message.deliveryCount,
      enqueuedTime: new Date(message.enqueuedTime),
      applicationProperties: { ...message.applicationProperties },
      ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
    };
  }

  /**
   * The renewal limit passed with the handler still running: the lock is gone,
   * so the session goes to whichever slot accepts it next and the message is
   * offered again (its delivery count grows, as on any lock expiry).
   */
  function loseLock(
    state: QueueState,
    message: StoredMessage,
    slot: SessionSlot | undefined,
    delivery: Delivery,
  ) {
    delivery.lockLost = true;
    if (slot) slot.sessionId = undefined;
    if (message.deliveryCount >= maxDeliveryCount) {
      state.deadLetters.push({
        body: JSON.parse(message.json),
        info: receivedInfo(message),
        reason: 'lock lost after maxAutoLockRenewalDuration, MaxDeliveryCountExceeded',
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: "Message couldn't be consumed after maximum delivery attempts.",
        deadLetteredAt: new Date(now()),
      });
    } else {
      makeReady(state, message);
    }
    pump(state);
    settleWaiters();
  }

  async function deliver(
    state: QueueState,
    subscriber: Subscriber,
    message: StoredMessage,
    slot: SessionSlot | undefined,
  ): Promise<void> {
    if (slot) {
      release(slot);
      slot.busy = true;
    }
    state.inFlight++;
    message.deliveryCount++;
    const info = receivedInfo(message);
    const delivery: Delivery = { lockLost: false };
    const lockTimer = setTimeout(() => {
      state.lockTimers.delete(lockTimer);
      loseLock(state, message, slot, delivery);
    }, subscriber.maxAutoLockRenewalMs);
    state.lockTimers.add(lockTimer);
    let failure: { error: unknown } | undefined;
    try {
      await subscriber.handler(JSON.parse(message.json), info);
    } catch (error) {
      failure = { error };
    }
    clearTimeout(lockTimer);
    state.lockTimers.delete(lockTimer);
    state.inFlight--;
    if (closed) return;
    if (delivery.lockLost) {
      // Settling needs the lock: the late handler's completion or failure changes nothing.
      release(slot);
    } else if (!failure) {
      state.completed++;
      release(slot);
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
        release(slot);
      } else {
        // The slot keeps the session (busy) while its message waits, so later messages of it cannot overtake.
        const timer = setTimeout(() => {
          state.retryTimers.delete(timer);
          makeReady(state, message);
          release(slot);
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
    const sessionIdleTimeoutMs = subscribeOptions.sessionIdleTimeoutMs ?? 60_000;
    const maxAutoLockRenewalMs = subscribeOptions.maxAutoLockRenewalMs ?? 5 * 60_000;
    // The SDK refuses a session idle timeout that is not positive.
    if (!(sessionIdleTimeoutMs > 0) || !(maxAutoLockRenewalMs > 0)) {
      throw new RangeError('sessionIdleTimeoutMs and maxAutoLockRenewalMs must be positive');
    }
    const subscriber: Subscriber = {
      handler,
      sessions,
      maxConcurrency,
      sessionIdleTimeoutMs,
      maxAutoLockRenewalMs,
      slots: sessions ? Array.from({ length: maxConcurrency }, () => ({ busy: false })) : [],
    };
    state.subscriber = subscriber;
    pump(state);
    return () => {
      if (state.subscriber === subscriber) state.subscriber = undefined;
      for (const slot of subscriber.slots) if (slot.idleTimer) clearTimeout(slot.idleTimer);
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

  function clockMoved(): void {
    for (const state of queues.values()) {
      for (const entry of [...state.scheduled]) {
        clearTimeout(entry.timer);
        state.scheduled.delete(entry);
        schedule(state, entry.message, entry.dueAt);
      }
    }
  }

  function scheduledMessages(queue: QueueName): ScheduledMessageInfo[] {
    return [...stateOf(queue).scheduled]
      .sort((a, b) => a.dueAt - b.dueAt)
      .map((entry) => ({
        messageId: entry.message.messageId,
        dueAt: new Date(entry.dueAt),
        applicationProperties: { ...entry.message.applicationProperties },
      }));
  }

  function close(): void {
    closed = true;
    for (const state of queues.values()) {
      for (const entry of state.scheduled) clearTimeout(entry.timer);
      for (const timer of state.retryTimers) clearTimeout(timer);
      for (const timer of state.lockTimers) clearTimeout(timer);
      for (const slot of state.subscriber?.slots ?? []) if (slot.idleTimer) clearTimeout(slot.idleTimer);
      state.scheduled.clear();
      state.retryTimers.clear();
      state.lockTimers.clear();
      state.subscriber = undefined;
    }
    settleWaiters();
  }

  return { send, subscribe, idle, deadLetters, takeDeadLetters, stats, scheduledMessages, clockMoved, close };
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
