// The queues' dead letters for the operator: list them and send them back to
// their queue (deployment-wide; see docs/operations.md, "Dead letters").
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  listDeadLetters,
  type ResubmitBody,
  resubmitBodySchema,
  resubmitDeadLetters,
} from '../shared/management/deadLetterQueries';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps, param, readBody } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { outcomeResponse } from './http/outcomeResponse';
import type { BodyResult } from './http/requestBody';

async function getDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const deps = (await managementDeps(context)).deadLetters;
  return outcomeResponse(await listDeadLetters(param(request, 'queue') ?? '', deps), 200);
}

async function postResubmit(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = await optionalBody(request);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).deadLetters;
  return outcomeResponse(await resubmitDeadLetters(param(request, 'queue') ?? '', body.value, deps), 202);
}

/** Posted without a body, the route sends back every dead letter of the queue. */
async function optionalBody(request: HttpRequest): Promise<BodyResult<ResubmitBody>> {
  if (request.body === null || request.headers.get('content-length') === '0') return { ok: true, value: {} };
  return readBody(request, resubmitBodySchema);
}

registerHttp('manageDeadLetters', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.deadLetters,
  handler: byMethod({ GET: getDeadLetters }),
});

registerHttp('manageDeadLetterResubmit', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.resubmitDeadLetters,
  handler: byMethod({ POST: postResubmit }),
});
