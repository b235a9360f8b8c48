// A `Retry-After` header as seconds to wait, for every remote service we call
// (Graph when it throttles, a PBX that asks us to slow down): delta-seconds or
// an HTTP-date (RFC 9110 §10.2.3). Anything unreadable counts as absent, so
// the caller falls back to its own pause instead of failing.

export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  // HTTP-dates all start with a day name; Date.parse alone would also take bare numbers like "1.5".
  if (!/^[A-Za-z]{3,9},?\s/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
