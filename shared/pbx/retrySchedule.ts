// When to try a webhook again. Entry n (0-based) is the pause before attempt
// n + 1, so the first entry (0, "immediately") is the first attempt itself and
// the schedule's length is the number of attempts before a webhook is
// dead-lettered. The default follows Standard Webhooks' suggestion, stretched
// to a day so a PBX down over a night misses nothing.

export const DEFAULT_RETRY_SCHEDULE_SECONDS = [
  0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
] as const;

export interface RetryPolicy {
  /** Pauses in seconds (fractions allowed, for compressed test schedules). */
  scheduleSeconds: readonly number[];
  /** Spread of each pause, e.g. 0.2 for ±20 %, so retries of many webhooks do not arrive in lockstep. */
  jitter: number;
  /** 0..1; injectable so tests know the exact delay. */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS,
  jitter: 0.2,
};

export type RetryDecision =
  | { kind: 'retry'; attempt: number; delayMs: number }
  | { kind: 'exhausted'; attempts: number };

/**
 * After attempt `failedAttempt` failed: the next attempt and its delay, or
 * that the schedule is used up. A `Retry-After` from the PBX is honoured: we
 * never come back earlier than it asked, but also not later than the
 * schedule's longest pause, so a PBX cannot park a webhook forever.
 */
export function nextAttempt(
  policy: RetryPolicy,
  failedAttempt: number,
  retryAfterSeconds?: number,
): RetryDecision {
  const schedule = policy.scheduleSeconds;
  if (failedAttempt >= schedule.length) return { kind: 'exhausted', attempts: failedAttempt };
  const base = schedule[failedAttempt] ?? 0;
  const random = policy.random ?? Math.random;
  const jittered = base * (1 + policy.jitter * (random() * 2 - 1));
  const longest = Math.max(...schedule);
  const seconds =
    retryAfterSeconds === undefined ? jittered : Math.min(Math.max(jittered, retryAfterSeconds), longest);
  return { kind: 'retry', attempt: failedAttempt + 1, delayMs: Math.max(0, Math.round(seconds * 1000)) };
}

/** Reads `PBX_RETRY_SCHEDULE_SECONDS`: comma-separated non-negative seconds, at least one. */
export function parseRetrySchedule(text: string): number[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 50) return undefined;
  const numbers = parts.map((part) => (/^\d+(\.\d+)?$/.test(part) ? Number(part) : Number.NaN));
  return numbers.every((n) => Number.isFinite(n) && n >= 0 && n <= 7 * 86400) ? numbers : undefined;
}
