// Graph's check that a notification URL belongs to whoever subscribes: POST
// `?validationToken=…` with an empty text body and expect the token back,
// verbatim, with 200 within 10 seconds. The token is free text with spaces
// and colons, like Graph's, so receivers that do not decode it fail here too.

import { randomUUID } from 'node:crypto';

const HANDSHAKE_TIMEOUT_MS = 10_000;

export type HandshakeResult = { ok: true } | { ok: false; code: string; message: string };

export async function validateNotificationUrl(notificationUrl: string): Promise<HandshakeResult> {
  const validationToken = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const url = new URL(notificationUrl);
  // URLSearchParams writes spaces as '+', as Graph does.
  url.searchParams.append('validationToken', validationToken);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '',
      signal: AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status === 200 && text === validationToken) return { ok: true };
    return {
      ok: false,
      code: 'ValidationError',
      message:
        response.status === 200
          ? 'Subscription validation request failed. Response must exactly match validationToken query parameter.'
          : 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return timedOut
      ? { ok: false, code: 'InvalidRequest', message: 'Subscription validation request timed out.' }
      : {
          ok: false,
          code: 'ValidationError',
          message:
            'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
        };
  }
}
