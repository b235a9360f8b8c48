import { seededRandom } from '../seededRandom';
import { graphError, type SimResponse } from './exchange';

/**
 * Failures tests can order. Request faults apply to every Graph request in
 * arrival order: a `$batch` itself and each of its items (each is throttled on
 * its own, as in Graph). Use `pathIncludes` to aim at one kind of request.
 */
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
  /** Every delta token handed out so far (for one user, or all) answers 410 `syncStateNotFound`. */
  expireDeltaTokens(userId?: string): void;
  /** From now on, this fraction (0–1) of change notifications is silently not sent; deterministic for a seed. */
  dropNotificationFraction(fraction: number, seed?: number): void;
  /** How many change notifications were dropped so far. */
  droppedNotifications(): number;
  /** Clears pending request faults and notification dropping. */
  clear(): void;
}

interface RequestFault {
  remaining: number;
  status: 429 | 503;
  retryAfterSeconds?: number;
  pathIncludes?: string;
}

export interface FaultInjector {
  faults: Faults;
  /** A fault response for this request, consuming one, or undefined. */
  interceptRequest(pathWithQuery: string): SimResponse | undefined;
  shouldDropNotification(): boolean;
}

export function createFaultInjector(expireDeltaTokens: (userId?: string) => void): FaultInjector {
  let requestFaults: RequestFault[] = [];
  let dropFraction = 0;
  let random = seededRandom(1);
  let dropped = 0;

  return {
    faults: {
      throttleNext(n, options) {
        requestFaults.push({ remaining: n, status: 429, ...options });
      },
      unavailableNext(n, options = {}) {
        requestFaults.push({ remaining: n, status: 503, ...options });
      },
      expireDeltaTokens,
      dropNotificationFraction(fraction, seed = 1) {
        dropFraction = Math.min(1, Math.max(0, fraction));
        random = seededRandom(seed);
      },
      droppedNotifications: () => dropped,
      clear() {
        requestFaults = [];
        dropFraction = 0;
      },
    },

    interceptRequest(pathWithQuery) {
      const fault = requestFaults.find(
        (f) => f.remaining > 0 && (f.pathIncludes === undefined || pathWithQuery.includes(f.pathIncludes)),
      );
      if (!fault) return undefined;
      fault.remaining -= 1;
      requestFaults = requestFaults.filter((f) => f.remaining > 0);
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      return fault.status === 429
        ? graphError(
            429,
            'ApplicationThrottled',
            'Application is over its MailboxConcurrency limit.',
            headers,
          )
        : graphError(
            503,
            'ServiceUnavailable',
            'The service is temporarily unavailable. Please retry later.',
            headers,
          );
    },

    shouldDropNotification() {
      if (dropFraction <= 0 || random() >= dropFraction) return false;
      dropped += 1;
      return true;
    },
  };
}
