// One attempt to hand a webhook to the PBX. The outcome tells the caller what
// to do next; retries, backoff and giving up belong to the caller (the
// `deliveries` queue), so this function never sleeps and never loops.

import { lookup } from 'node:dns/promises';
import { parseRetryAfter } from '../retryAfter';
import type { DeliveryRequest } from './pbxEvent';
import { checkPbxTarget, checkResolvedAddresses } from './pbxTarget';
import { signWebhook } from './signing';

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth another attempt later: 408, 429, 5xx, timeout, connection failure. */
  | { kind: 'retry'; reason: string; status?: number; retryAfterSeconds?: number }
  /** The PBX says this endpoint is gone for good (410): stop delivering to it. */
  | { kind: 'gone'; status: 410 }
  /** Another attempt would fail the same way: other 4xx, a redirect, or a URL we refuse (no status). */
  | { kind: 'rejected'; reason: string; status?: number };

export interface DeliveryTarget {
  url: string;
  /** Current signing secrets (`whsec_...`); two while a rotation is under way. */
  secrets: string[];
}

export interface DeliveryOptions {
  timeoutMs: number;
  allowInsecureLoopback: boolean;
  /** Host names or IP literals that may be private addresses (PBX_ALLOWED_PRIVATE_HOSTS). */
  allowedPrivateHosts?: readonly string[];
  /** Every address a host name resolves to; DNS by default, replaceable in tests. */
  resolveHost?: (hostname: string) => Promise<string[]>;
  now?: () => Date;
  fetchImpl?: typeof fetch;
  /** How much of an error response to keep for the reason (default 4 KiB); the rest is discarded unread. */
  maxResponseBytes?: number;
}

export const USER_AGENT = 'pbx-calendar-sync';
const DEFAULT_MAX_RESPONSE_BYTES = 4096;
/** Enough of the PBX's answer to explain a failure in a log line or on the dashboard. */
const MAX_REASON_CHARS = 300;

/** Throws only for programming or configuration errors (e.g. a malformed signing secret). */
export async function deliverWebhook(
  request: DeliveryRequest,
  target: DeliveryTarget,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const policy = {
    allowInsecureLoopback: options.allowInsecureLoopback,
    allowedPrivateHosts: options.allowedPrivateHosts ?? [],
  };
  const check = checkPbxTarget(target.url, policy);
  if (check.kind === 'refused') return { kind: 'rejected', reason: check.reason };
  const resolved = await resolveAndCheck(check.url, policy, options.resolveHost ?? resolveWithDns);
  if (resolved) return resolved;

  const now = options.now ?? (() => new Date());
  const fetchImpl = options.fetchImpl ?? fetch;
  const body = JSON.stringify(request.event);
  // A fresh timestamp and signature per attempt; the id stays, so the PBX can spot a redelivery.
  const signature = signWebhook({ id: request.webhookId, timestamp: now(), body, secrets: target.secrets });

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    const response = await fetchImpl(check.url, {
      method: 'POST',
      headers: { ...signature, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    if (response.ok) {
      // The answer is in the status; a body that fails to close must not turn a delivery into a retry.
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'delivered', status: response.status };
    }
    const excerpt = await readExcerpt(response, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    return classifyFailure(response, excerpt, now());
  } catch (error) {
    if (timedOut) return { kind: 'retry', reason: `no answer within ${options.timeoutMs} ms` };
    return { kind: 'retry', reason: `connection failed: ${describeNetworkError(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checked before every attempt, since DNS answers change. fetch resolves the
 * name again, so a DNS server that changes its answer between the two lookups
 * could still steer one request; PBX URLs are set by operators, and this check
 * guards against mistakes and casual probing, not against a hostile DNS owner.
 */
async function resolveAndCheck(
  url: URL,
  policy: { allowInsecureLoopback: boolean; allowedPrivateHosts: readonly string[] },
  resolveHost: (hostname: string) => Promise<string[]>,
): Promise<DeliveryOutcome | undefined> {
  if (!needsLookup(url, policy)) return undefined;
  let addresses: string[];
  try {
    addresses = await resolveHost(url.hostname);
  } catch (error) {
    return { kind: 'retry', reason: `could not resolve ${url.hostname}: ${describeNetworkError(error)}` };
  }
  const check = checkResolvedAddresses(url, addresses, policy);
  return check.kind === 'refused' ? { kind: 'rejected', reason: check.reason } : undefined;
}

/** IP literals, allowed names and local loopback need no lookup: a name whose private answer would be refused does. */
function needsLookup(
  url: URL,
  policy: { allowInsecureLoopback: boolean; allowedPrivateHosts: readonly string[] },
): boolean {
  return checkResolvedAddresses(url, ['127.0.0.1'], policy).kind === 'refused';
}

async function resolveWithDns(hostname: string): Promise<string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

function classifyFailure(response: Response, excerpt: string, now: Date): DeliveryOutcome {
  const { status } = response;
  const reason = `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 410) return { kind: 'gone', status: 410 };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), now);
    return {
      kind: 'retry',
      reason,
      status,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  if (status >= 300 && status < 400) {
    // Following a redirect would send signed absence data somewhere nobody configured.
    const location = response.headers.get('location');
    return {
      kind: 'rejected',
      status,
      reason: `HTTP ${status}: redirect not followed${location ? ` (to ${location.slice(0, 200)})` : ''}; update the PBX URL`,
    };
  }
  return { kind: 'rejected', status, reason };
}

async function readExcerpt(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that breaks off midway still leaves us the status to decide on.
  } finally {
    // Discard the rest instead of reading an arbitrarily large answer.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
  const text = new TextDecoder().decode(bytes).replace(/\s+/g, ' ').trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

function describeNetworkError(error: unknown): string {
  // Structural checks: errors from fetch may come from another realm, where instanceof fails.
  const { message, cause } = asErrorLike(error);
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
  if (cause !== undefined) {
    const inner = asErrorLike(cause);
    return inner.code ? `${inner.code} (${inner.message})` : inner.message;
  }
  return message;
}

function asErrorLike(value: unknown): { message: string; code?: string; cause?: unknown } {
  if (typeof value !== 'object' || value === null) return { message: String(value) };
  const record = value as Record<string, unknown>;
  return {
    message: typeof record.message === 'string' ? record.message : String(value),
    ...(typeof record.code === 'string' ? { code: record.code } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
  };
}
