// How often one call-centre credential may call the booking API: a token
// bucket per credential, kept by each instance. Each request takes a token;
// tokens come back at a steady rate up to the bucket's size, so a call centre
// can send a short burst (a free-time query and its booking) but not a flood
// that would spend the tenant's Graph budget (Graph throttles per app and
// mailbox, and a throttled mailbox also delays the sync that feeds the PBX).
// Instances do not share buckets: with N instances the ceiling is N times
// the rate, which still bounds a runaway client; the Graph write pace behind
// it holds across instances.

export interface RateLimit {
  /** Requests a credential may make at once after a quiet spell. */
  burst: number;
  /** Tokens that come back per minute. */
  perMinute: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets of credentials not seen for this long are forgotten, so the map stays small. */
const IDLE_FORGET_MS = 60 * 60_000;

/** The limit comes from BOOKING_RATE_BURST and BOOKING_RATE_PER_MINUTE (shared/config.ts: 20, then 60 a minute). */
export function rateLimiter(limit: RateLimit) {
  const buckets = new Map<string, Bucket>();
  const perMs = limit.perMinute / 60_000;
  let lastSweep = 0;

  function sweep(now: number): void {
    if (now - lastSweep < IDLE_FORGET_MS) return;
    lastSweep = now;
    for (const [key, bucket] of buckets) if (now - bucket.at > IDLE_FORGET_MS) buckets.delete(key);
  }

  return {
    /** Takes one token for `credentialId` at `now` (ms), or says how long until one is back. */
    take(credentialId: string, now: number): RateDecision {
      sweep(now);
      const bucket = buckets.get(credentialId) ?? { tokens: limit.burst, at: now };
      const tokens = Math.min(limit.burst, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      if (tokens >= 1) {
        buckets.set(credentialId, { tokens: tokens - 1, at: now });
        return { allowed: true };
      }
      buckets.set(credentialId, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    },
  };
}

export type RateLimiter = ReturnType<typeof rateLimiter>;
