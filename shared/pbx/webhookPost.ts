// One attempt to hand a webhook to the PBX. The outcome tells the caller what
// to do next; retries, backoff and giving up belong to the caller (the
// `deliveries` queue), so this function never sleeps and never loops.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { parseRetryAfter } from '../retryAfter';
import type { DeliveryRequest } from './pbxEvent';
import { type DeliveryErrorClass, type PbxReply, summariseReply } from './pbxReply';

export type { DeliveryErrorClass } from './pbxReply';

import { decidePbxTarget, type PinnedAddress, type ResolveHost } from './pbxTarget';
import { signWebhook } from './signing';

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth another attempt later: 408, 429, 5xx, timeout, connection failure. */
  | {
      kind: 'retry';
      reason: string;
      errorClass: DeliveryErrorClass;
      status?: number;
      retryAfterSeconds?: number;
      reply?: PbxReply;
    }
  /** The PBX says this endpoint is gone for good (410): stop delivering to it. */
  | { kind: 'gone'; status: 410 }
  /** Another attempt would fail the same way: other 4xx, a redirect, or a URL we refuse (no status). */
  | { kind: 'rejected'; reason: string; errorClass: DeliveryErrorClass; status?: number; reply?: PbxReply };

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
  resolveHost?: ResolveHost;
  now?: () => Date;
  /** How much of an error response to read for its summary (default 4 KiB); the rest is discarded unread. */
  maxResponseBytes?: number;
  /** Tests only: certificate authorities to trust instead of the system's. */
  trustedCa?: string;
}

export const USER_AGENT = 'pbx-calendar-sync';
const DEFAULT_MAX_RESPONSE_BYTES = 4096;

/** Throws only for programming or configuration errors (e.g. a malformed signing secret). */
export async function deliverWebhook(
  request: DeliveryRequest,
  target: DeliveryTarget,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  // Decided afresh before every attempt, since DNS answers change; the connection goes to the address decided on.
  const decision = await decidePbxTarget(
    target.url,
    {
      allowInsecureLoopback: options.allowInsecureLoopback,
      allowedPrivateHosts: options.allowedPrivateHosts ?? [],
    },
    options.resolveHost,
  );
  if (decision.kind === 'refused') {
    // A name that does not resolve may resolve later; a URL we refuse will be refused again.
    return decision.errorClass === 'dns'
      ? { kind: 'retry', reason: decision.reason, errorClass: 'dns' }
      : { kind: 'rejected', reason: decision.reason, errorClass: decision.errorClass };
  }

  const now = options.now ?? (() => new Date());
  const body = JSON.stringify(request.event);
  // A fresh timestamp and signature per attempt; the id stays, so the PBX can spot a redelivery.
  const signature = signWebhook({ id: request.webhookId, timestamp: now(), body, secrets: target.secrets });
  const answer = await post(decision.url, decision.pinned, {
    headers: { ...signature, 'content-type': 'application/json', 'user-agent': USER_AGENT },
    body,
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...(options.trustedCa ? { ca: options.trustedCa } : {}),
  });
  if (answer.kind === 'failed') {
    return answer.errorClass === 'timeout'
      ? { kind: 'retry', errorClass: 'timeout', reason: `no answer within ${options.timeoutMs} ms` }
      : { kind: 'retry', errorClass: answer.errorClass, reason: answer.reason };
  }
  const { response } = answer;
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const reply = summariseReply(
    {
      ...(typeof response.headers['content-type'] === 'string'
        ? { contentType: response.headers['content-type'] }
        : {}),
      ...(typeof response.headers['content-length'] === 'string'
        ? { contentLength: response.headers['content-length'] }
        : {}),
    },
    answer.body,
    answer.complete,
    request.event,
  );
  return classifyFailure(response, status, reply, now());
}

type Answer =
  | { kind: 'answered'; response: IncomingMessage; body: Uint8Array; complete: boolean }
  | { kind: 'failed'; errorClass: DeliveryErrorClass; reason: string };

interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxBytes: number;
  ca?: string;
}

/**
 * One POST over node:http(s), connected to `pinned` whatever DNS says now.
 * The URL's host name still goes into the Host header, the TLS server name
 * (SNI) and the certificate check, so https verifies the certificate of the
 * name the operator configured. Global fetch offers no per-request lookup
 * (its undici is internal), hence the plain client.
 */
function post(url: URL, pinned: PinnedAddress, options: PostOptions): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
      else callback(null, pinned.address, pinned.family);
    };
    let received: IncomingMessage | undefined;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          ...options.headers,
          host: url.host,
          'content-length': String(Buffer.byteLength(options.body)),
        },
        lookup: pinnedLookup,
        // One connection per attempt: a pooled socket could have been opened to another address.
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        received = response;
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // The answer is in the status; the body is not waited for.
          finish({ kind: 'answered', response, body: new Uint8Array(), complete: false });
          response.destroy();
          return;
        }
        readCapped(response, options.maxBytes, (body, complete) =>
          finish({ kind: 'answered', response, body, complete }),
        );
      },
    );
    const timer = setTimeout(() => {
      // Once the status is in, a body that stalls still leaves the status to decide on.
      if (received) received.destroy();
      else {
        finish({ kind: 'failed', errorClass: 'timeout', reason: 'timeout' });
        outgoing.destroy();
      }
    }, options.timeoutMs);
    outgoing.on('error', (error) => finish(networkFailure(error)));
    outgoing.end(options.body);
  });
}

/**
 * Reads at most `maxBytes` and drops the rest unread; a body that breaks off
 * still leaves the status. `done` runs before the response is destroyed, so
 * no error from tearing it down can overtake the answer.
 */
function readCapped(
  response: IncomingMessage,
  maxBytes: number,
  done: (body: Uint8Array, complete: boolean) => void,
): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let stopped = false;
  const stop = (complete: boolean) => {
    if (stopped) return;
    stopped = true;
    done(Buffer.concat(chunks).subarray(0, maxBytes), complete);
    response.destroy();
  };
  response.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > maxBytes) stop(false);
  });
  response.on('end', () => stop(true));
  response.on('error', () => stop(false));
  response.on('close', () => stop(false));
}

/** Node's error codes, never its messages: those carry the address we connected to. */
function networkFailure(error: unknown): Answer {
  const code = errorCode(error);
  const named = (errorClass: DeliveryErrorClass, words: string): Answer => ({
    kind: 'failed',
    errorClass,
    reason: code ? `${words} (${code})` : words,
  });
  if (code === 'ECONNREFUSED') return named('refused', 'connection refused');
  if (code === 'ECONNRESET' || code === 'EPIPE') return named('reset', 'connection reset');
  if (code === 'ETIMEDOUT') return named('timeout', 'connection timed out');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL')
    return named('unreachable', 'PBX unreachable');
  if (code === 'ENOTFOUND' || code?.startsWith('EAI_')) return named('dns', 'name not resolved');
  if (code && /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_/.test(code)) return named('tls', 'TLS failed');
  return named('network', 'connection failed');
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
}

function classifyFailure(
  response: IncomingMessage,
  status: number,
  reply: PbxReply,
  now: Date,
): DeliveryOutcome {
  const reason = `HTTP ${status}${reply.summary ? `: ${reply.summary}` : ''}`;
  if (status === 410) return { kind: 'gone', status: 410 };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfter = response.headers['retry-after'];
    const retryAfterSeconds = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, now);
    return {
      kind: 'retry',
      errorClass: 'http',
      reason,
      status,
      reply,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  if (status >= 300 && status < 400) {
    // Following a redirect would send signed absence data somewhere nobody configured; where it
    // points is not repeated, as it may name an internal address.
    return {
      kind: 'rejected',
      errorClass: 'redirect',
      status,
      reply,
      reason: `HTTP ${status}: redirect not followed; update the PBX URL`,
    };
  }
  return { kind: 'rejected', errorClass: 'http', status, reply, reason };
}
