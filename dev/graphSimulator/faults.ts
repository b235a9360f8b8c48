// Failures tests can order. Request faults apply to every Graph request in
// arrival order: a `$batch` itself and each of its items (each is throttled on
// its own, as in Graph). Use `pathIncludes` to aim at one kind of request.

import { seededRandom } from '../seededRandom';
import type { DeltaExpiry } from './calendarViewDelta';
import { graphError, type SimResponse } from './exchange';

export interface FaultOptions {
  retryAfterSeconds?: number;
  /** Only requests whose path (with query) contains this text. */
  pathIncludes?: string;
}

export interface Faults {
  /** The next `n` matching requests get 429 with `Retry-After`. */
  throttleNext(n: number, options: FaultOptions & { retryAfterSeconds: number }): void;
  /** The next `n` matching requests get 503 (with `Retry-After` when given). */
  unavailableNext(n: number, options?: FaultOptions): void;
  /** The next `n` matching requests get this Graph error (e.g. 500 `generalException`), served as Graph shapes errors. */
  failNext(n: number, options: FaultOptions & { status: number; code: string; message?: string }): void;
  /**
   * Every delta token handed out so far (for one user, or all) answers as an
   * expired one: 410 `syncStateNotFound` unless told another documented answer.
   */
  expireDeltaTokens(userId?: string, answer?: DeltaExpiry): void;
  /** From now on, this fraction (0–1) of change notifications is silently not sent; deterministic for a seed. */
  dropNotificationFraction(fraction: number, seed?: number): void;
  /** How many change notifications were dropped so far. */
  droppedNotifications(): number;
  /**
   * From now on, change notifications are sent the way an unreliable network
   * would: each waits a random 0..`maxDelayMs` (so they overtake each other),
   * and `duplicateFraction` of them arrive twice. Deterministic for a seed.
   */
  disorderNotifications(options: { maxDelayMs: number; duplicateFraction: number; seed?: number }): void;
  /**
   * From now on, each matching Graph request is answered 429 with this
   * probability and 503 with that one, instead of being served. Deterministic for a seed.
   */
  failRequestsAtRandom(options: {
    throttleFraction: number;
    unavailableFraction: number;
    retryAfterSeconds?: number;
    pathIncludes?: string;
    seed?: number;
  }): void;
  /**
   * From now on, the event with this id is reported with this `type` wherever
   * Graph would show it (a value Graph may add later, to see how callers cope).
   */
  reportEventTypeAs(eventId: string, type: string): void;
  /** What was injected so far, for a test's summary. */
  injected(): InjectedFaults;
  /** Clears pending request faults and notification dropping, disorder and random failures. */
  clear(): void;
}

export interface InjectedFaults {
  droppedNotifications: number;
  duplicatedNotifications: number;
  delayedNotifications: number;
  throttled: number;
  unavailable: number;
}

interface RandomRequestFaults {
  throttleFraction: number;
  unavailableFraction: number;
  retryAfterSeconds?: number;
  pathIncludes?: string;
  random: () => number;
}

interface RequestFault {
  remaining: number;
  status: number;
  /** Set for `failNext`; throttling faults answer with their own code. */
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  pathIncludes?: string;
}

export interface FaultInjector {
  faults: Faults;
  /** A fault response for this request, consuming one, or undefined. */
  interceptRequest(pathWithQuery: string): SimResponse | undefined;
  /** The Graph answer as faults would change it (`reportEventTypeAs`). */
  rewriteResponse(response: SimResponse): SimResponse;
  /** Extra waits, one per copy of a change notification to send: none when it is dropped, two when duplicated. */
  planNotification(): number[];
}

export function createFaultInjector(
  expireDeltaTokens: (userId?: string, answer?: DeltaExpiry) => void,
): FaultInjector {
  let requestFaults: RequestFault[] = [];
  let dropFraction = 0;
  let random = seededRandom(1);
  let dropped = 0;
  let disorder: { maxDelayMs: number; duplicateFraction: number; random: () => number } | undefined;
  let randomFaults: RandomRequestFaults | undefined;
  const reportedTypes = new Map<string, string>();
  const retyped = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null || !('id' in item) || typeof item.id !== 'string')
      return item;
    const type = reportedTypes.get(item.id);
    return type === undefined ? item : { ...item, type };
  };
  const counts = { duplicatedNotifications: 0, delayedNotifications: 0, throttled: 0, unavailable: 0 };

  return {
    faults: {
      throttleNext(n, options) {
        requestFaults.push({ remaining: n, status: 429, ...options });
      },
      unavailableNext(n, options = {}) {
        requestFaults.push({ remaining: n, status: 503, ...options });
      },
      failNext(n, options) {
        requestFaults.push({ remaining: n, ...options });
      },
      expireDeltaTokens,
      dropNotificationFraction(fraction, seed = 1) {
        dropFraction = Math.min(1, Math.max(0, fraction));
        random = seededRandom(seed);
      },
      droppedNotifications: () => dropped,
      disorderNotifications({ maxDelayMs, duplicateFraction, seed = 1 }) {
        disorder = { maxDelayMs, duplicateFraction, random: seededRandom(seed) };
      },
      failRequestsAtRandom({ seed = 1, ...rest }) {
        randomFaults = { ...rest, random: seededRandom(seed) };
      },
      reportEventTypeAs(eventId, type) {
        reportedTypes.set(eventId, type);
      },
      injected: () => ({ droppedNotifications: dropped, ...counts }),
      clear() {
        requestFaults = [];
        dropFraction = 0;
        disorder = undefined;
        randomFaults = undefined;
        reportedTypes.clear();
      },
    },

    rewriteResponse(response) {
      const body = response.body;
      if (reportedTypes.size === 0 || typeof body !== 'object' || body === null) return response;
      const value = 'value' in body && Array.isArray(body.value) ? { value: body.value.map(retyped) } : {};
      return { ...response, body: { ...(retyped(body) as object), ...value } };
    },

    interceptRequest(pathWithQuery) {
      const fault = requestFaults.find(
        (f) => f.remaining > 0 && (f.pathIncludes === undefined || pathWithQuery.includes(f.pathIncludes)),
      );
      if (fault) {
        fault.remaining -= 1;
        requestFaults = requestFaults.filter((f) => f.remaining > 0);
        if (fault.code !== undefined)
          return graphError(fault.status, fault.code, fault.message ?? 'Injected failure.');
        return faultResponse(fault.status === 429 ? 429 : 503, fault.retryAfterSeconds);
      }
      if (!randomFaults) return undefined;
      if (randomFaults.pathIncludes !== undefined && !pathWithQuery.includes(randomFaults.pathIncludes))
        return undefined;
      const roll = randomFaults.random();
      if (roll < randomFaults.throttleFraction) {
        counts.throttled += 1;
        return faultResponse(429, randomFaults.retryAfterSeconds ?? 1);
      }
      if (roll < randomFaults.throttleFraction + randomFaults.unavailableFraction) {
        counts.unavailable += 1;
        return faultResponse(503, randomFaults.retryAfterSeconds);
      }
      return undefined;
    },

    planNotification() {
      if (dropFraction > 0 && random() < dropFraction) {
        dropped += 1;
        return [];
      }
      if (!disorder) return [0];
      const { maxDelayMs, duplicateFraction, random: roll } = disorder;
      const copies = roll() < duplicateFraction ? 2 : 1;
      if (copies === 2) counts.duplicatedNotifications += 1;
      counts.delayedNotifications += 1;
      return Array.from({ length: copies }, () => Math.floor(roll() * maxDelayMs));
    },
  };
}

function faultResponse(status: 429 | 503, retryAfterSeconds: number | undefined): SimResponse {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  return status === 429
    ? graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', headers)
    : graphError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Please retry later.',
        headers,
      );
}
