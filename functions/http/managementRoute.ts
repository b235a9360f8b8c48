import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { AdminDeps, AdminResult } from '../../shared/management/integrations';
import { conflict, invalid, type Outcome } from '../../shared/outcome';
import { getRuntime, provisioningDeps, type Runtime } from '../../shared/runtime';
import { invocationLogger } from './invocationLogger';
import { outcomeResponse } from './outcomeResponse';
import { type BodyResult, problem, readJsonBody } from './requestBody';

/** Rule sets are the largest bodies (hundreds of rules); far below this. */
export const MAX_MANAGEMENT_BODY_BYTES = 512 * 1024;

export async function adminDeps(context: InvocationContext): Promise<{ runtime: Runtime; deps: AdminDeps }> {
  const runtime = await getRuntime();
  return {
    runtime,
    deps: {
      ...provisioningDeps(runtime, invocationLogger(context)),
      secrets: runtime.secrets,
      publicBaseUrl: runtime.config.PUBLIC_BASE_URL,
      allowInsecureLoopback: runtime.config.PBX_ALLOW_INSECURE_LOOPBACK,
    },
  };
}

export function readBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<BodyResult<T>> {
  return readJsonBody(request, schema, MAX_MANAGEMENT_BODY_BYTES);
}

/**
 * For the explain route only, whose service still answers with the older
 * AdminResult (it is moving to a file of its own); it goes through the same
 * mapper as every other route, so the statuses cannot drift apart.
 */
export function answer<T>(
  result: AdminResult<T>,
  status: number,
  body: (value: T) => unknown,
): HttpResponseInit {
  const outcome: Outcome<T> =
    result.kind !== 'refused'
      ? result
      : result.status === 409
        ? conflict(result.reason)
        : invalid(result.reason);
  return outcomeResponse(outcome, status, body);
}

/** Route parameters are checked like bodies: a 400 with a reason, never an exception. */
export function param(request: HttpRequest, name: string): string | undefined {
  const value = request.params[name];
  return value && value.length <= 200 ? value : undefined;
}

/**
 * Dispatches one route's methods and turns an unexpected failure (storage
 * down, Graph unreachable) into a logged 500 without details; malformed
 * input never gets that far.
 */
export function byMethod(handlers: Partial<Record<string, HttpHandler>>): HttpHandler {
  return async (request, context) => {
    const handler = handlers[request.method.toUpperCase()];
    if (!handler) return problem(405, 'method not allowed');
    // Ids become table keys; one that cannot be a key is the caller's mistake, not a storage error.
    for (const [name, value] of Object.entries(request.params)) {
      if (value.length === 0 || value.length > 200)
        return problem(400, `${name} must be 1 to 200 characters`);
    }
    try {
      return await handler(request, context);
    } catch (error) {
      context.error(`management request failed: ${error instanceof Error ? error.name : 'error'}`);
      return problem(500, 'internal error; see the logs');
    }
  };
}
