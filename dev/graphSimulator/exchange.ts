// One request and its answer, independent of Node's http objects, so the
// same handlers serve real HTTP requests and the items of a `$batch`.

import { randomBytes } from 'node:crypto';

export interface SimRequest {
  method: string;
  /** Path as sent (still percent-encoded), without query, e.g. `/v1.0/users/abc/events`. */
  path: string;
  query: URLSearchParams;
  /** Query string as sent, without `?`; what logs and fault filters match on. */
  rawQuery: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  bodyText: string;
}

export interface SimResponse {
  status: number;
  /** Canonical casing (`Retry-After`): `$batch` items hand these to clients as plain JSON keys. */
  headers?: Record<string, string>;
  /** JSON-serialisable value, or a string sent as text, or nothing (204). */
  body?: unknown;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): SimResponse {
  return { status, body, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers } };
}

export function noContent(): SimResponse {
  return { status: 204 };
}

/** Graph's error envelope. */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): SimResponse {
  return json(
    status,
    { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19) } } },
    headers,
  );
}

/** Entra ID's error envelope, with the AADSTS code in the description and in `error_codes`. */
export function entraError(status: number, error: string, code: number, description: string): SimResponse {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomBytes(8).toString('hex')} Timestamp: ${timestamp}Z`,
    error_codes: [code],
    timestamp: `${timestamp}Z`,
  });
}

export type BodyParse = { ok: true; value: unknown } | { ok: false; response: SimResponse };

export function parseJsonBody(request: SimRequest): BodyParse {
  try {
    return { ok: true, value: request.bodyText === '' ? {} : JSON.parse(request.bodyText) };
  } catch {
    return { ok: false, response: graphError(400, 'BadRequest', 'Unable to read JSON request payload.') };
  }
}
