import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { DEFAULT_ERROR_LIMIT, deliverySummary, replayFailedDeliveries } from '../shared/delivery/deliveryLog';
import { enablePbxEndpoint } from '../shared/delivery/pbxEndpoint';
import { resendSnapshot } from '../shared/delivery/snapshotOnDemand';
import { errorLimitSchema, type ReplayBody, replayBodySchema } from '../shared/management/deliveryQueries';
import { getRuntime } from '../shared/runtime';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { outcomeResponse, refusalResponse } from './http/outcomeResponse';
import { type BodyResult, problem, readJsonBody } from './http/requestBody';

/**
 * The delivery side of the management API: the delivery log, replay of failed
 * webhooks, a user's snapshot on demand, and re-enabling a PBX endpoint that
 * answered 410. Routes live under `manage/` (the Functions host reserves `admin`).
 */
const MAX_BODY_BYTES = 64 * 1024;
const BASE = 'manage/integrations/{id}';

export async function getDeliveries(request: HttpRequest): Promise<HttpResponseInit> {
  const refused = checkIds(request);
  if (refused) return refused;
  const rawLimit = request.query.get('errors');
  const limit =
    rawLimit === null
      ? { success: true as const, data: DEFAULT_ERROR_LIMIT }
      : errorLimitSchema.safeParse(rawLimit);
  if (!limit.success) return problem(400, 'errors must be a whole number from 1 to 100');
  const runtime = await getRuntime();
  const summary = await deliverySummary(idOf(request), runtime.repos, limit.data);
  return outcomeResponse(summary, 200);
}

export async function replayDeliveries(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const refused = checkIds(request);
  if (refused) return refused;
  const body = await optionalBody(request);
  if (!body.ok) return body.response;
  const runtime = await getRuntime();
  const result = await replayFailedDeliveries(
    idOf(request),
    {
      integrations: runtime.repos.integrations,
      deliveries: runtime.repos.deliveries,
      queue: runtime.queue,
      now: runtime.now,
    },
    body.value.webhookIds,
  );
  if (result.kind !== 'replayed') return refusalResponse(result);
  invocationLogger(context).info('failed webhooks replayed', {
    integrationId: idOf(request),
    count: result.webhookIds.length,
  });
  return { status: 202, jsonBody: { replayed: result.webhookIds, notFailed: result.notFailed } };
}

export async function postSnapshot(request: HttpRequest): Promise<HttpResponseInit> {
  const refused = checkIds(request);
  if (refused) return refused;
  const runtime = await getRuntime();
  const result = await resendSnapshot(idOf(request), request.params.userId ?? '', {
    ...runtime.repos,
    queue: runtime.queue,
    now: runtime.now,
  });
  if (result.kind !== 'queued') return refusalResponse(result);
  const { kind: _, ...queued } = result;
  return { status: 202, jsonBody: queued };
}

export async function postEnableEndpoint(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const refused = checkIds(request);
  if (refused) return refused;
  const runtime = await getRuntime();
  const result = await enablePbxEndpoint(idOf(request), {
    integrations: runtime.repos.integrations,
    now: runtime.now,
  });
  if (result.kind !== 'enabled') return refusalResponse(result);
  if (result.wasDisabled)
    invocationLogger(context).info('PBX endpoint enabled', { integrationId: idOf(request) });
  return { status: 200, jsonBody: { endpoint: { state: 'active' }, wasDisabled: result.wasDisabled } };
}

/** Ids become table keys; one too long to be a key is a 400, not a storage error. */
function checkIds(request: HttpRequest): HttpResponseInit | undefined {
  if (idOf(request).length > 100) return problem(400, 'integration id longer than 100 characters');
  const userId = request.params.userId;
  if (userId !== undefined && (userId.length === 0 || userId.length > 200)) {
    return problem(400, 'user id must be 1 to 200 characters');
  }
  return undefined;
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
  handler: getDeliveries,
});
registerHttp('replayDeliveries', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/deliveries/replay`,
  handler: replayDeliveries,
});
registerHttp('userSnapshot', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/users/{userId}/snapshot`,
  handler: postSnapshot,
});
registerHttp('enablePbxEndpoint', {
  methods: ['POST'],
  authLevel: 'function',
  route: `${BASE}/pbx/enable`,
  handler: postEnableEndpoint,
});
