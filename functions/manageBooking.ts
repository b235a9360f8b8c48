// Call-centre booking, the operator's side: the settings (on or off, the
// group), the call centre's key (minted, shown once; revoked) and the booking
// log. The answer to a mint is the only time the key is shown; it must not
// be cached anywhere. The call centre's own API is functions/bookingApi.ts.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  changeBookingSettings,
  issueBookingKey,
  readBookingLog,
  readBookingSettings,
  revokeBookingKeys,
} from '../shared/management/bookingSettings';
import {
  BOOKING_LOG_DEFAULT_LIMIT,
  BOOKING_LOG_MAX_LIMIT,
  type BookingCredentialInput,
  bookingCredentialSchema,
  bookingLogLimitSchema,
  bookingSettingsSchema,
} from '../shared/management/managementSchemas';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps, param, readBody } from './http/managementRoute';
import { ROUTE } from './http/managementRoutes';
import { outcomeResponse } from './http/outcomeResponse';
import type { BodyResult } from './http/requestBody';

const idOf = (request: HttpRequest) => param(request, 'id') ?? '';

async function getBooking(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await readBookingSettings(idOf(request), deps), 200);
}

async function putBooking(request: HttpRequest, context: InvocationContext) {
  const body = await readBody(request, bookingSettingsSchema);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await changeBookingSettings(idOf(request), body.value, deps), 200);
}

async function postCredential(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = await optionalCredentialBody(request);
  if (!body.ok) return body.response;
  const deps = (await managementDeps(context)).admin;
  const answer = outcomeResponse(await issueBookingKey(idOf(request), body.value, deps), 201);
  return { ...answer, headers: { 'cache-control': 'no-store' } };
}

async function deleteCredential(request: HttpRequest, context: InvocationContext) {
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await revokeBookingKeys(idOf(request), deps), 204, () => undefined);
}

async function getLog(request: HttpRequest, context: InvocationContext) {
  const raw = request.query.get('limit');
  const limit = bookingLogLimitSchema.safeParse(raw ?? BOOKING_LOG_DEFAULT_LIMIT);
  if (!limit.success) {
    return {
      status: 400,
      jsonBody: { error: `limit must be a whole number from 1 to ${BOOKING_LOG_MAX_LIMIT}`, path: 'limit' },
    };
  }
  const deps = (await managementDeps(context)).admin;
  return outcomeResponse(await readBookingLog(idOf(request), limit.data, deps), 200);
}

/** A mint may be posted without a body: no overlap. */
async function optionalCredentialBody(request: HttpRequest): Promise<BodyResult<BookingCredentialInput>> {
  if (request.body === null || request.headers.get('content-length') === '0') return { ok: true, value: {} };
  return readBody(request, bookingCredentialSchema);
}

registerHttp('manageBooking', {
  methods: ['GET', 'PUT'],
  authLevel: 'function',
  route: ROUTE.booking,
  handler: byMethod({ GET: getBooking, PUT: putBooking }),
});

registerHttp('manageBookingCredential', {
  methods: ['POST', 'DELETE'],
  authLevel: 'function',
  route: ROUTE.bookingCredential,
  handler: byMethod({ POST: postCredential, DELETE: deleteCredential }),
});

registerHttp('manageBookingLog', {
  methods: ['GET'],
  authLevel: 'function',
  route: ROUTE.bookingLog,
  handler: byMethod({ GET: getLog }),
});
