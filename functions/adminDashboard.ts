import type { HttpRequest, InvocationContext } from '@azure/functions';
import { openApiDocument } from '../shared/admin/openApi';
import { ROUTE } from '../shared/admin/routes';
import { dashboardFor, queueDeliveryStats } from '../shared/services/dashboard';
import { problem } from './support/httpBody';
import { adminDeps, byMethod, param } from './support/management';
import { registerHttp } from './support/registry';

/** Dashboard figures per integration, and the OpenAPI document of the management API. */
async function dashboard(request: HttpRequest, context: InvocationContext) {
  const id = param(request, 'id') ?? '';
  const { runtime } = await adminDeps(context);
  const figures = await dashboardFor(id, {
    repos: runtime.repos,
    now: runtime.now,
    deliveryStats: queueDeliveryStats(runtime.queue),
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
