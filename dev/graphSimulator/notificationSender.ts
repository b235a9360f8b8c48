// Posts notifications in the background, the way Graph does: the write that
// caused them has already been answered. Keeps every POST in flight visible
// so tests can await them instead of sleeping.
//
// Delivery follows Graph's documented semantics
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
// "Processing the change notification" and "Throttling"): an HTTP client with
// a 3-second timeout; anything but a 2xx within it is sent again, for up to 4
// hours, then discarded; an answer after more than 2900 ms counts as slow; once
// an endpoint has received 100 notifications, a slow share of 10 % flags it as
// slow and every notification to it is delayed by 10 minutes, and at 15 % they
// are dropped; the count starts over every 10 minutes. Graph does not publish
// its retry schedule, so redeliveries back off exponentially from 1 minute.
// Redeliveries and throttling delays run on the simulator's clock: they go out
// when `flush()` (or the background tick) finds them due, so a test that moves
// the clock 4 hours ahead sees the whole retry story in milliseconds.

export interface NotificationSender {
  /**
   * Resolves when the first POST completed (or failed: Graph does not tell the writer either way);
   * a failed one is redelivered later. `extraDelayMs` adds to the sender's own delay (the fault
   * injector's disorder).
   */
  send(url: string, payload: unknown, extraDelayMs?: number): Promise<void>;
  /** Sends every redelivery that is due on the simulator's clock and waits for every POST in flight. */
  flush(): Promise<void>;
  stop(): void;
  deliveries(): NotificationDelivery[];
  stats(): DeliveryStats;
}

export interface NotificationDelivery {
  url: string;
  payload: unknown;
  /** HTTP status the receiver answered, or 0 when it could not be reached or did not answer in 3 s. */
  status: number;
  /** 1 for the first POST of a notification, 2 for its first redelivery, … */
  attempt: number;
  /** Real time the receiver took to answer, in ms. */
  durationMs: number;
}

/** What Graph's side knows about its deliveries, for tests and the bench. */
export interface DeliveryStats {
  /** POSTs sent, redeliveries included. */
  attempts: number;
  /** POSTs answered with a 2xx. */
  delivered: number;
  /** POSTs answered after more than 2900 ms (or not at all within 3 s). */
  slow: number;
  /** POSTs that were redeliveries. */
  redelivered: number;
  /** Notifications given up on: still failing after 4 hours. */
  discarded: number;
  /** Notifications not sent because their endpoint's slow share reached 15 %. */
  droppedSlow: number;
  /** Notifications waiting for a redelivery or a throttling delay. */
  waiting: number;
  /** Notification URLs currently flagged as slow (slow share ≥ 10 %). */
  throttledUrls: string[];
}

export const DELIVERY_TIMEOUT_MS = 3_000;
export const SLOW_ANSWER_MS = 2_900;
const RETRY_WINDOW_MS = 4 * 3_600_000;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_GAP_MS = 3_600_000;
const SLOW_SAMPLE = 100;
const SLOW_THROTTLE_SHARE = 0.1;
const SLOW_DROP_SHARE = 0.15;
const SLOW_WINDOW_MS = 10 * 60_000;
const THROTTLE_DELAY_MS = 10 * 60_000;
const TICK_MS = 1_000;

interface Waiting {
  url: string;
  payload: unknown;
  /** Attempts made so far. */
  attempts: number;
  firstAttemptAt: number;
  dueAt: number;
  /** Already held back once for a slow endpoint. */
  throttled?: true;
}

interface Endpoint {
  windowStart: number;
  answered: number;
  slow: number;
}

export function createNotificationSender(
  delayMs: number,
  now: () => Date = () => new Date(),
): NotificationSender {
  const pending = new Set<Promise<void>>();
  const aborter = new AbortController();
  const delivered: NotificationDelivery[] = [];
  const waiting: Waiting[] = [];
  const endpoints = new Map<string, Endpoint>();
  const counts = { attempts: 0, delivered: 0, slow: 0, redelivered: 0, discarded: 0, droppedSlow: 0 };
  let stopped = false;

  const endpoint = (url: string): Endpoint => {
    const at = now().getTime();
    let e = endpoints.get(url);
    if (!e || at - e.windowStart >= SLOW_WINDOW_MS) {
      e = { windowStart: at, answered: 0, slow: 0 };
      endpoints.set(url, e);
    }
    return e;
  };
  const slowShare = (url: string): number => {
    const e = endpoint(url);
    return e.answered >= SLOW_SAMPLE ? e.slow / e.answered : 0;
  };

  const post = async (url: string, payload: unknown) => {
    const started = performance.now();
    let status = 0;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    return { status, durationMs: performance.now() - started };
  };

  const attempt = async (item: Waiting) => {
    const share = slowShare(item.url);
    if (share >= SLOW_DROP_SHARE) {
      counts.droppedSlow++;
      return;
    }
    if (share >= SLOW_THROTTLE_SHARE && !item.throttled) {
      waiting.push({ ...item, dueAt: now().getTime() + THROTTLE_DELAY_MS, throttled: true });
      return;
    }
    const { status, durationMs } = await post(item.url, item.payload);
    if (stopped && status === 0) return;
    const attemptNumber = item.attempts + 1;
    counts.attempts++;
    if (attemptNumber > 1) counts.redelivered++;
    const e = endpoint(item.url);
    e.answered++;
    if (durationMs > SLOW_ANSWER_MS) {
      e.slow++;
      counts.slow++;
    }
    delivered.push({ url: item.url, payload: item.payload, status, attempt: attemptNumber, durationMs });
    if (status >= 200 && status < 300) {
      counts.delivered++;
      return;
    }
    const at = now().getTime();
    const gap = Math.min(FIRST_RETRY_MS * 2 ** (attemptNumber - 1), MAX_RETRY_GAP_MS);
    if (at + gap - item.firstAttemptAt > RETRY_WINDOW_MS) {
      counts.discarded++;
      return;
    }
    waiting.push({
      url: item.url,
      payload: item.payload,
      firstAttemptAt: item.firstAttemptAt,
      attempts: attemptNumber,
      dueAt: at + gap,
    });
  };

  const track = (work: Promise<void>) => {
    const tracked = work.finally(() => pending.delete(tracked));
    pending.add(tracked);
    return tracked;
  };

  const sendDue = () => {
    if (stopped) return;
    const at = now().getTime();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const item = waiting[i]!;
      if (item.dueAt > at) continue;
      waiting.splice(i, 1);
      void track(attempt(item));
    }
  };
  // Under `npm start` nobody calls flush: the clock moves by itself.
  const tick = setInterval(sendDue, TICK_MS);
  tick.unref();

  return {
    send(url, payload, extraDelayMs = 0) {
      return track(
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs + extraDelayMs));
          const at = now().getTime();
          await attempt({ url, payload, attempts: 0, firstAttemptAt: at, dueAt: at });
        })(),
      );
    },
    async flush() {
      sendDue();
      while (pending.size > 0) {
        await Promise.all([...pending]);
        sendDue();
      }
    },
    stop() {
      stopped = true;
      clearInterval(tick);
      aborter.abort();
    },
    deliveries: () => [...delivered],
    stats: () => ({
      ...counts,
      waiting: waiting.length,
      throttledUrls: [...endpoints.keys()].filter((url) => slowShare(url) >= SLOW_THROTTLE_SHARE),
    }),
  };
}
