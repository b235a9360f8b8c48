import type { HttpRequest, InvocationContext } from '@azure/functions';
import { dashboardFor } from '../shared/management/dashboard';
import { registerHttp } from './http/functionRegistry';
import { adminDeps, byMethod, param } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { openApiDocument } from './http/openApi';
import { problem } from './http/requestBody';

/** Dashboard figures per integration, and the OpenAPI document of the management API. */
async function dashboard(request: HttpRequest, context: InvocationContext) {
  const id = param(request, 'id') ?? '';
  const { runtime, deps } = await adminDeps(context);
  const figures = await dashboardFor(id, {
    repos: runtime.repos,
    now: runtime.now,
    queueStatistics: runtime.queueStatistics,
    log: deps.log,
    expiringWithinMinutes: runtime.config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
  });
  return figures ? { status: 200, jsonBody: figures } : problem(404, `no integration ${id}`);
}

async function openApi(_request: HttpRequest, context: InvocationContext) {
  const { runtime } = await adminDeps(context);
  return { status: 200, jsonBody: openApiDocument(runtime.config.PUBLIC_BASE_URL) };
}

registerHttp('manageDashboard', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.dashboard,
  handler: byMethod({ GET: dashboard }),
});

registerHttp('manageOpenApi', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.openApi,
  handler: byMethod({ GET: openApi }),
});
