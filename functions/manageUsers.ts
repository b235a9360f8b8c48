import type { HttpRequest, InvocationContext } from '@azure/functions';
import {
  deleteUser,
  listUsers,
  requestUser,
  resyncUser,
  setUserTriggers,
  userView,
} from '../shared/management/mailboxUsers';
import { addUserSchema, userTriggersBodySchema } from '../shared/management/managementSchemas';
import { userStatusPanel } from '../shared/management/userStatusPanel';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps, param, readBody } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { outcomeResponse, refusalResponse } from './http/outcomeResponse';

/** An integration's mailboxes: list with status, add by address, remove, resync. Function keys required. */
async function getUsers(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await listUsers(param(request, 'id') ?? '', deps), 200);
}

async function postUser(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, addUserSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  const result = await requestUser(param(request, 'id') ?? '', body.value.email, deps);
  switch (result.kind) {
    case 'added':
      return { status: 201, jsonBody: result.user };
    case 'pending':
      return {
        status: 202,
        jsonBody: { email: result.address, status: 'pendingConsent' },
      };
    default:
      return refusalResponse(result);
  }
}

async function removeUser(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(
    await deleteUser(param(request, 'id') ?? '', param(request, 'userId') ?? '', deps),
    204,
    () => undefined,
  );
}

async function resync(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(
    await resyncUser(param(request, 'id') ?? '', param(request, 'userId') ?? '', deps),
    202,
    () => ({ queued: 1 }),
  );
}

async function putTriggers(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, userTriggersBodySchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  const result = await setUserTriggers(
    param(request, 'id') ?? '',
    param(request, 'userId') ?? '',
    body.value.triggers,
    deps,
  );
  return outcomeResponse(result, 200, (user) => ({ ...userView(user), triggers: user.triggers ?? [] }));
}

/** The status view the PBX pull answers, with the absences behind it, for the console's users tab. */
async function getStatus(request: HttpRequest, context: InvocationContext) {
  const { repos, now } = (await managementDeps(context)).admin;
  const panel = await userStatusPanel(
    param(request, 'id') ?? '',
    param(request, 'userId') ?? '',
    request.query.get('days'),
    { integrations: repos.integrations, users: repos.users, absences: repos.absences, now },
  );
  return outcomeResponse(panel, 200);
}

registerHttp('manageUsers', {
  methods: ['GET', 'POST'],
  authLevel: 'function',
  route: ROUTE.users,
  handler: byMethod({ GET: getUsers, POST: postUser }),
});

registerHttp('manageUser', {
  methods: ['DELETE'],
  authLevel: 'function',
  route: ROUTE.user,
  handler: byMethod({ DELETE: removeUser }),
});

registerHttp('manageUserResync', {
  methods: ['POST'],
  authLevel: 'function',
  route: ROUTE.userResync,
  handler: byMethod({ POST: resync }),
});

registerHttp('manageUserTriggers', {
  methods: ['PUT'],
  authLevel: 'function',
  route: ROUTE.userTriggers,
  handler: byMethod({ PUT: putTriggers }),
});

registerHttp('manageUserStatus', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.userStatus,
  handler: byMethod({ GET: getStatus }),
});
