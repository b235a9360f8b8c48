import type { HttpRequest, InvocationContext } from '@azure/functions';
import { createConsentLink, unbindIntegration } from '../shared/management/consentLinks';
import { testExchangeServerConnection } from '../shared/management/exchangeServerSetup';
import { explainEvent } from '../shared/management/explainEvent';
import {
  createIntegration,
  deleteIntegration,
  replaceRules,
  resyncIntegration,
  updateIntegration,
} from '../shared/management/integrations';
import { listIntegrations, readIntegration } from '../shared/management/integrationViews';
import {
  createIntegrationSchema,
  exchangeTestSchema,
  explainSchema,
  unbindSchema,
  updateIntegrationSchema,
} from '../shared/management/managementSchemas';
import { ruleChoiceSchema } from '../shared/management/ruleChoice';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps, param, readBody } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { outcomeResponse } from './http/outcomeResponse';

/** Integrations: list, create, read, change, delete; rules; resync; explain; an Exchange Server connection test; consent links and unbinding. Function keys required. */
async function getIntegrations(_request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return { status: 200, jsonBody: await listIntegrations(deps) };
}

async function postIntegration(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, createIntegrationSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await createIntegration(body.value, deps), 201);
}

async function getIntegration(request: HttpRequest, context: InvocationContext) {
  const id = param(request, 'id');
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await readIntegration(id ?? '', deps), 200);
}

async function patchIntegration(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, updateIntegrationSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await updateIntegration(param(request, 'id') ?? '', body.value, deps), 200);
}

async function removeIntegration(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  const outcome = await deleteIntegration(param(request, 'id') ?? '', deps);
  // Gone at once (no users) or, while the PBX is being told, accepted with the ending integration.
  if (outcome.kind === 'ok' && outcome.value.kind === 'deleted') return { status: 204 };
  return outcomeResponse(outcome, 202, (value) => (value.kind === 'ending' ? value.integration : undefined));
}

async function putRules(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, ruleChoiceSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await replaceRules(param(request, 'id') ?? '', body.value, deps), 200);
}

async function postResync(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  const outcome = await resyncIntegration(param(request, 'id') ?? '', deps);
  return outcomeResponse(outcome, 202, (queued) => ({ queued }));
}

async function explain(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, explainSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await explainEvent(param(request, 'id') ?? '', body.value, deps), 200);
}

async function postExchangeTest(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, exchangeTestSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  const outcome = await testExchangeServerConnection(param(request, 'id') ?? '', body.value.mailbox, deps);
  return outcomeResponse(outcome, 200);
}

async function postConsentLink(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await createConsentLink(param(request, 'id') ?? '', deps), 201);
}

async function postUnbind(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, unbindSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await unbindIntegration(param(request, 'id') ?? '', body.value.reason, deps), 200);
}

registerHttp('manageIntegrations', {
  methods: ['GET', 'POST'],
  authLevel: 'function',
  route: ROUTE.integrations,
  handler: byMethod({ GET: getIntegrations, POST: postIntegration }),
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
  handler: byMethod({ POST: postResync }),
});

registerHttp('manageExplain', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.explain,
  handler: byMethod({ POST: explain }),
});

registerHttp('manageExchangeTest', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.exchangeTest,
  handler: byMethod({ POST: postExchangeTest }),
});

registerHttp('manageConsentLink', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.consentLink,
  handler: byMethod({ POST: postConsentLink }),
});

registerHttp('manageUnbind', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.unbind,
  handler: byMethod({ POST: postUnbind }),
});
