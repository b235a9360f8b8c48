import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

export function problem(status: number, reason: string): HttpResponseInit {
  return { status, jsonBody: { error: reason } };
}

/**
 * Reads and validates a JSON body. Size is checked before parsing and every
 * failure is a 4xx with a reason, so malformed input can never become a 500.
 */
export async function readJsonBody<T>(
  request: HttpRequest,
  schema: z.ZodType<T>,
  maxBytes: number,
): Promise<BodyResult<T>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return { ok: false, response: problem(413, `body larger than ${maxBytes} bytes`) };
  let text: string;
  try {
    text = await request.text();
  } catch {
    return { ok: false, response: problem(400, 'body could not be read') };
  }
  if (Buffer.byteLength(text) > maxBytes) {
    return { ok: false, response: problem(413, `body larger than ${maxBytes} bytes`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, response: problem(400, 'body is not valid JSON') };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first && first.path.length > 0 ? first.path.join('.') : undefined;
    const reason = `body does not match the schema${path ? ` at ${path}` : ''}: ${first?.message ?? 'invalid'}`;
    // The field on its own too, as a refusal from a service names it (outcomeResponse.ts).
    return {
      ok: false,
      response: path ? { status: 400, jsonBody: { error: reason, path } } : problem(400, reason),
    };
  }
  return { ok: true, value: parsed.data };
}

/** Resolves with `fallback` if `work` takes longer than `ms`; the work itself keeps running. */
export async function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
