import type { HttpRequest, InvocationContext } from '@azure/functions';
import { explainEvent } from '../shared/management/explainEvent';
import {
  createIntegration,
  deleteIntegration,
  integrationView,
  queueResync,
  replaceRules,
  updateIntegration,
} from '../shared/management/integrations';
import {
  createIntegrationSchema,
  explainSchema,
  updateIntegrationSchema,
} from '../shared/management/managementSchemas';
import { ruleChoiceSchema } from '../shared/management/ruleChoice';
import { registerHttp } from './http/functionRegistry';
import { adminDeps, answer, byMethod, param, readBody } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { outcomeResponse } from './http/outcomeResponse';
import { problem } from './http/requestBody';

/** Integrations: list, create, read, change, delete; rules; resync; explain. Function keys required. */
async function listIntegrations(_request: HttpRequest, context: InvocationContext) {
  const { runtime } = await adminDeps(context);
  const all = await runtime.repos.integrations.list();
  return { status: 200, jsonBody: all.map((i) => integrationView(i, runtime.config.PUBLIC_BASE_URL)) };
}

async function postIntegration(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, createIntegrationSchema);
  if (!body.ok) return body.response;
  const { deps } = await adminDeps(context);
  return answer(await createIntegration(body.value, deps), 201, (value) => value);
}

async function getIntegration(request: HttpRequest, context: InvocationContext) {
  const id = param(request, 'id');
  const { runtime } = await adminDeps(context);
  const stored = id ? await runtime.repos.integrations.get(id) : undefined;
  if (!stored) return problem(404, `no integration ${id ?? ''}`);
  return { status: 200, jsonBody: integrationView(stored.value, runtime.config.PUBLIC_BASE_URL) };
}

async function patchIntegration(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, updateIntegrationSchema);
  if (!body.ok) return body.response;
  const { deps } = await adminDeps(context);
  return answer(await updateIntegration(param(request, 'id') ?? '', body.value, deps), 200, (view) => view);
}

async function removeIntegration(request: HttpRequest, context: InvocationContext) {
  const { deps } = await adminDeps(context);
  return answer(await deleteIntegration(param(request, 'id') ?? '', deps), 204, () => undefined);
}

async function putRules(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, ruleChoiceSchema);
  if (!body.ok) return body.response;
  const { deps } = await adminDeps(context);
  return answer(await replaceRules(param(request, 'id') ?? '', body.value, deps), 200, (view) => view);
}

async function resyncIntegration(request: HttpRequest, context: InvocationContext) {
  const id = param(request, 'id') ?? '';
  const { deps } = await adminDeps(context);
  if (!(await deps.repos.integrations.get(id))) return problem(404, `no integration ${id}`);
  return { status: 202, jsonBody: { queued: await queueResync(id, 'resync', deps) } };
}

async function explain(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, explainSchema);
  if (!body.ok) return body.response;
  const { deps } = await adminDeps(context);
  return outcomeResponse(await explainEvent(param(request, 'id') ?? '', body.value, deps), 200);
}

registerHttp('manageIntegrations', {
  methods: ['GET', 'POST'],
  authLevel: 'function',
  route: ROUTE.integrations,
  handler: byMethod({ GET: listIntegrations, POST: postIntegration }),
});

registerHttp('manageIntegration', {
  methods: ['GET', 'PATCH', 'DELETE'],
  authLevel: 'function',
  route: ROUTE.integration,
  handler: byMethod({ GET: getIntegration, PATCH: patchIntegration, DELETE: removeIntegration }),
});

registerHttp('manageRules', {
  methods: ['PUT'],
  authLevel: 'function',
  route: ROUTE.rules,
  handler: byMethod({ PUT: putRules }),
});

registerHttp('manageResync', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.resync,
  handler: byMethod({ POST: resyncIntegration }),
});

registerHttp('manageExplain', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.explain,
  handler: byMethod({ POST: explain }),
});
