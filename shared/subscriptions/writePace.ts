// The pace of subscription writes (create, renew, delete) for one tenant
// within one maintenance run: Graph allows 500 per 20 s per app per tenant
// (https://learn.microsoft.com/graph/throttling-limits#subscription-service-limits)
// and answers more with 429 and Retry-After
// (https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling).
// Writes are let through in a sliding window kept a little under the limit,
// since Graph counts arrivals and we count departures; after a 429 nothing is
// sent until Graph's wait is over. A write that could only start after the
// run's deadline is not started: the next run picks up the work.

export interface WritePaceOptions {
  /** Writes let through per window; under Graph's 500 for the reason above. */
  writes: number;
  windowMs: number;
  /** Epoch ms after which no write starts. */
  deadline: number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

export interface WritePace {
  /** Waits until `count` writes fit; false (and nothing taken) when that would be after the deadline. */
  take(count?: number): Promise<boolean>;
  /** Graph answered 429: no write starts for `seconds`. */
  holdFor(seconds: number): void;
  /** Time left before the deadline, in ms (negative once past). */
  left(): number;
}

/**
 * The wait a failure asks of the whole pace: Graph's Retry-After on a 429
 * (too many requests). A 503 is the service's trouble, not our pace; that
 * write is left for the next run instead.
 */
export function paceWait(failure: { kind: string; status: number; retryAfterSeconds?: number } | undefined) {
  return failure?.kind === 'throttled' && failure.status === 429 ? failure.retryAfterSeconds : undefined;
}

/**
 * 450 of Graph's 500 per 20 s (the subscription row of
 * https://learn.microsoft.com/graph/throttling-limits#subscription-service-limits;
 * some copies of that table say 1,000, so 500 is the safe side): the margin
 * covers the latency between our clock and Graph's. Renewals take room 20 at
 * a time (one `$batch`), so they get 440 per window: 22 batches, 60 writes
 * under Graph's limit, as many as the other 3 batches in flight
 * (subscriptionKeeper.ts) hold, should Graph count them a window late. 10,000
 * renewals thus need 22 full windows and part of a 23rd: about 445 s, inside
 * the run's 8 minutes.
 */
export const GRAPH_SUBSCRIPTION_WRITES = { writes: 450, windowMs: 20_000 } as const;

export function writePace(options: WritePaceOptions): WritePace {
  const sent: number[] = [];
  let heldUntil = 0;
  const at = () => options.now().getTime();
  return {
    async take(count = 1) {
      const wanted = Math.min(count, options.writes);
      for (;;) {
        const now = at();
        while (sent.length > 0 && (sent[0] as number) <= now - options.windowMs) sent.shift();
        const roomAt =
          sent.length + wanted <= options.writes
            ? now
            : (sent[sent.length + wanted - options.writes - 1] as number) + options.windowMs;
        const startAt = Math.max(roomAt, heldUntil);
        if (startAt > options.deadline) return false;
        if (startAt <= now) {
          for (let i = 0; i < wanted; i++) sent.push(now);
          return true;
        }
        await options.sleep(startAt - now);
      }
    },
    holdFor(seconds) {
      heldUntil = Math.max(heldUntil, at() + seconds * 1000);
    },
    left: () => options.deadline - at(),
  };
}
