import type { HttpHandler, HttpRequest, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { failureForLog } from '../../shared/logger';
import { getRuntime, graphCredentialRefusal, type ManagementDeps } from '../../shared/runtime';
import { invocationLogger } from './invocationLogger';
import { type BodyResult, problem, readJsonBody } from './requestBody';
import { routeIdProblem } from './routeIds';

/** Rule sets are the largest bodies (hundreds of rules); far below this. */
export const MAX_MANAGEMENT_BODY_BYTES = 512 * 1024;

/** The management capability's dependencies for this invocation, from the composition root. */
export async function managementDeps(context: InvocationContext): Promise<ManagementDeps> {
  return (await getRuntime()).management(invocationLogger(context));
}

export function readBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<BodyResult<T>> {
  return readJsonBody(request, schema, MAX_MANAGEMENT_BODY_BYTES);
}

/** A route parameter; `byMethod` has already refused ids that cannot be keys. */
export function param(request: HttpRequest, name: string): string | undefined {
  return request.params[name];
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
    const badId = routeIdProblem(request.params);
    if (badId) return problem(400, badId);
    try {
      return await handler(request, context);
    } catch (error) {
      const refused = graphCredentialRefusal(error);
      if (refused) {
        invocationLogger(context).error('Entra ID refuses the Graph credential', refused);
        return problem(
          503,
          `Entra ID refuses the service's Graph credential (${refused.code}); see docs/operations.md`,
        );
      }
      invocationLogger(context).error('management request failed', failureForLog(error));
      return problem(500, 'internal error; see the logs');
    }
  };
}
