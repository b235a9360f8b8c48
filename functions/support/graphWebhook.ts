import type { HttpRequest, HttpResponseInit } from '@azure/functions';

/** Graph's notification bodies are small; anything near this is not Graph. */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;
/** Graph counts an answer over 2.9 s as slow; answer well before, and let Graph retry if queuing is stuck. */
export const NOTIFICATION_DEADLINE_MS = 2500;

/**
 * Graph's validation handshake: echo the token as plain text. The token is
 * opaque and reflected back, so it goes out as text/plain with nosniff and a
 * length bound; it is never interpreted or logged.
 */
export function validationResponse(request: HttpRequest): HttpResponseInit | undefined {
  const token = request.query.get('validationToken');
  if (token === null) return undefined;
  if (token.length === 0 || token.length > 4096) {
    return { status: 400, jsonBody: { error: 'validationToken must be 1 to 4096 characters' } };
  }
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: token,
  };
}
