// The delivery side of the management API: the delivery log, replay of failed
// webhooks, a user's snapshot on demand, and re-enabling a PBX endpoint that
// answered 410. Routes live under `manage/` (the Functions host reserves `admin`).

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { DEFAULT_ERROR_LIMIT, deliverySummary, replayFailedDeliveries } from '../shared/delivery/deliveryLog';
import { enablePbxEndpoint } from '../shared/delivery/pbxEndpoint';
import { resendSnapshot } from '../shared/delivery/snapshotOnDemand';
import { errorLimitSchema, type ReplayBody, replayBodySchema } from '../shared/management/deliveryQueries';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { byMethod, managementDeps } from './http/managementRoute';
import { outcomeResponse, refusalResponse } from './http/outcomeResponse';
import { type BodyResult, problem, readJsonBody } from './http/requestBody';

const MAX_BODY_BYTES = 64 * 1024;
const BASE = 'manage/integrations/{id}';

export async function getDeliveries(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const rawLimit = request.query.get('errors');
  const limit =
    rawLimit === null
      ? { success: true as const, data: DEFAULT_ERROR_LIMIT }
      : errorLimitSchema.safeParse(rawLimit);
  if (!limit.success) return problem(400, 'errors must be a whole number from 1 to 100');
  const deps = (await managementDeps(context)).deliveryLog;
  return outcomeResponse(await deliverySummary(idOf(request), deps, limit.data), 200);
}

export async function replayDeliveries(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const body = await optionalBody(request);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).deliveryLog;
  const result = await replayFailedDeliveries(idOf(request), deps, body.value.webhookIds);
  if (result.kind !== 'replayed') return refusalResponse(result);
  invocationLogger(context).info('failed webhooks replayed', {
    integrationId: idOf(request),
    count: result.webhookIds.length,
  });
  return { status: 202, jsonBody: { replayed: result.webhookIds, notFailed: result.notFailed } };
}

export async function postSnapshot(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const deps = (await managementDeps(context)).snapshot;
  const result = await resendSnapshot(idOf(request), request.params.userId ?? '', deps);
  if (result.kind !== 'queued') return refusalResponse(result);
  const { kind: _, ...queued } = result;
  return { status: 202, jsonBody: queued };
}

export async function postEnableEndpoint(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const result = await enablePbxEndpoint(idOf(request), (await managementDeps(context)).endpoint);
  if (result.kind !== 'enabled') return refusalResponse(result);
  if (result.wasDisabled)
    invocationLogger(context).info('PBX endpoint enabled', { integrationId: idOf(request) });
  return { status: 200, jsonBody: { endpoint: { state: 'active' }, wasDisabled: result.wasDisabled } };
}

function idOf(request: HttpRequest): string {
  return request.params.id ?? '';
}

/** An action route may be posted without a body; an empty one means "all". */
async function optionalBody(request: HttpRequest): Promise<BodyResult<ReplayBody>> {
  if (request.body === null || request.headers.get('content-length') === '0') return { ok: true, value: {} };
  return readJsonBody(request, replayBodySchema, MAX_BODY_BYTES);
}

registerHttp('deliveryLog', {
  methods: ['GET'],
  authLevel: 'function',
  route: `${BASE}/deliveries`,
  handler: byMethod({ GET: getDeliveries }),
});
registerHttp('replayDeliveries', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/deliveries/replay`,
  handler: byMethod({ POST: replayDeliveries }),
});
registerHttp('userSnapshot', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/users/{userId}/snapshot`,
  handler: byMethod({ POST: postSnapshot }),
});
registerHttp('enablePbxEndpoint', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/pbx/enable`,
  handler: byMethod({ POST: postEnableEndpoint }),
});
