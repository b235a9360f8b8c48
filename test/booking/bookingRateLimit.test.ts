import { rateLimiter } from '../../shared/booking/bookingRateLimit';

describe('the booking API rate limit, per credential', () => {
  it('lets a burst through, then refuses with the wait until the next token', () => {
    const limiter = rateLimiter({ burst: 3, perMinute: 6 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('cc-1', t0).allowed)).toEqual([true, true, true]);
    // One token comes back every 10 s.
    expect(limiter.take('cc-1', t0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('cc-1', t0 + 4_000)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(limiter.take('cc-1', t0 + 10_000).allowed).toBe(true);
    expect(limiter.take('cc-1', t0 + 10_000).allowed).toBe(false);
  });

  it('keeps each credential to its own bucket', () => {
    const limiter = rateLimiter({ burst: 1, perMinute: 1 });
    expect(limiter.take('cc-1', 0).allowed).toBe(true);
    expect(limiter.take('cc-1', 0).allowed).toBe(false);
    expect(limiter.take('cc-2', 0).allowed).toBe(true);
  });

  it('refills no further than the burst after a quiet hour', () => {
    const limiter = rateLimiter({ burst: 2, perMinute: 60 });
    limiter.take('cc-1', 0);
    const later = 2 * 60 * 60_000;
    expect([1, 2, 3].map(() => limiter.take('cc-1', later).allowed)).toEqual([true, true, false]);
  });
});
