import type { HttpRequest, InvocationContext } from '@azure/functions';
import { dashboardFor, deploymentDashboard } from '../shared/management/dashboard';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps, param } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { openApiDocument } from './http/openApi';
import { outcomeResponse } from './http/outcomeResponse';

/** Dashboard figures per integration and for the deployment, and the OpenAPI document of the management API. */
async function dashboard(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).dashboard;
  return outcomeResponse(await dashboardFor(param(request, 'id') ?? '', deps), 200);
}

async function overview(_request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).dashboard;
  return { status: 200, jsonBody: await deploymentDashboard(deps) };
}

async function openApi(_request: HttpRequest, context: InvocationContext) {
  return { status: 200, jsonBody: openApiDocument((await managementDeps(context)).publicBaseUrl) };
}

registerHttp('manageDashboard', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.dashboard,
  handler: byMethod({ GET: dashboard }),
});

registerHttp('manageDeploymentDashboard', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.deploymentDashboard,
  handler: byMethod({ GET: overview }),
});

registerHttp('manageOpenApi', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.openApi,
  handler: byMethod({ GET: openApi }),
});
