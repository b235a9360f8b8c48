// Graph's limit on subscription writes (POST, PATCH, DELETE on /subscriptions,
// inside `$batch` or not) per app per tenant, in a sliding window of the
// simulator's clock. Beyond it a write is refused with 429 and a Retry-After
// saying when the window has room again, as Graph throttles
// (https://learn.microsoft.com/graph/throttling and
// https://learn.microsoft.com/graph/throttling-limits#subscription-service-limits:
// 500 per 20 s per app per tenant, the figure the product plans for; copies of
// that table have also shown 1,000, so 500 is the safe side). Off unless asked
// for. Refused writes do not count against the window.

import { graphError, type SimResponse } from './exchange';

export interface SubscriptionWriteLimitOptions {
  writes: number;
  windowSeconds: number;
}

export interface SubscriptionWriteFigures {
  accepted: number;
  refused: number;
  /** Most writes accepted within any one window, per app per tenant: never above `writes`. */
  peakInWindow: number;
}

export function createSubscriptionWriteLimit(
  options: SubscriptionWriteLimitOptions | undefined,
  now: () => Date,
) {
  const windowMs = (options?.windowSeconds ?? 0) * 1000;
  const accepted = new Map<string, number[]>();
  const figures: SubscriptionWriteFigures = { accepted: 0, refused: 0, peakInWindow: 0 };
  return {
    /** Undefined when the write may go ahead (and is counted), else Graph's 429. */
    admit(tenantAndApp: string): SimResponse | undefined {
      figures.accepted += options ? 0 : 1;
      if (!options) return undefined;
      const at = now().getTime();
      const times = (accepted.get(tenantAndApp) ?? []).filter((t) => t > at - windowMs);
      if (options && times.length >= options.writes) {
        accepted.set(tenantAndApp, times);
        figures.refused++;
        const roomAt = (times[0] as number) + windowMs;
        const seconds = Math.max(1, Math.ceil((roomAt - at) / 1000));
        return graphError(
          429,
          'TooManyRequests',
          'Too many requests to the subscription service; retry after the time given in Retry-After.',
          { 'Retry-After': String(seconds) },
        );
      }
      times.push(at);
      accepted.set(tenantAndApp, times);
      figures.accepted++;
      figures.peakInWindow = Math.max(figures.peakInWindow, times.length);
      return undefined;
    },
    figures: (): SubscriptionWriteFigures => ({ ...figures }),
  };
}

export type SubscriptionWriteLimit = ReturnType<typeof createSubscriptionWriteLimit>;
