// The call-centre system's booking API: free time, book, move, cancel and
// list. Anonymous to the Functions host, because the call centre holds no
// function key (and must not: that key opens the whole management API); the
// integration's booking key (`Authorization: Bearer ccbk_...`) is checked by
// the service before anything else, and an operator's function key opens
// nothing here. Bodies are read with the schemas the OpenAPI document is
// built from (functions/http/bookingOpenApi.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  type BookingCaller,
  type BookingDeps,
  type BookingRefusal,
  bookingCaller,
} from '../shared/booking/bookingCaller';
import { book, cancelBooking, listBookings, moveBooking } from '../shared/booking/bookingCommands';
import {
  bookRequestSchema,
  freeTimeRequestSchema,
  listQuerySchema,
  moveRequestSchema,
} from '../shared/booking/bookingRequests';
import { freeTime } from '../shared/booking/freeTime';
import { failureForLog } from '../shared/logger';
import { getRuntime } from '../shared/runtime';
import { BOOKING_ROUTE, bookingOpenApiDocument } from './http/bookingOpenApi';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { refusalResponse } from './http/outcomeResponse';
import { problem, readJsonBody } from './http/requestBody';

const MAX_BODY_BYTES = 64 * 1024;
const NO_STORE = { 'cache-control': 'no-store' };

/** One answer for every key that does not open an integration's booking, whatever the reason. */
const UNAUTHORIZED: HttpResponseInit = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer', ...NO_STORE },
  jsonBody: { error: "a valid booking key is required: 'Authorization: Bearer ccbk_...'" },
};

function bearerToken(request: HttpRequest): string | undefined {
  return /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
}

function refused(refusal: BookingRefusal): HttpResponseInit {
  const retry = (seconds: number | undefined): Record<string, string> =>
    seconds === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(seconds))) };
  switch (refusal.kind) {
    case 'unauthorized':
      return UNAUTHORIZED;
    case 'rateLimited':
      return {
        status: 429,
        headers: { ...NO_STORE, ...retry(refusal.retryAfterSeconds) },
        jsonBody: { error: 'too many requests with this booking key' },
      };
    case 'outsideGroup':
      return { status: 403, headers: NO_STORE, jsonBody: { error: refusal.reason } };
    case 'slotTaken':
      return { status: 409, headers: NO_STORE, jsonBody: { error: refusal.reason } };
    case 'unavailable':
      return {
        status: 503,
        headers: { ...NO_STORE, ...retry(refusal.retryAfterSeconds) },
        jsonBody: { error: refusal.reason },
      };
    default: {
      const answer = refusalResponse(refusal);
      return { ...answer, headers: NO_STORE };
    }
  }
}

type Work = (caller: BookingCaller, deps: BookingDeps) => Promise<HttpResponseInit>;

/** The key first, then the work; a failure nobody foresaw is a 500 without the request's headers in the log. */
async function withCaller(
  request: HttpRequest,
  context: InvocationContext,
  work: Work,
): Promise<HttpResponseInit> {
  try {
    const deps = (await getRuntime()).booking(invocationLogger(context));
    const caller = await bookingCaller(bearerToken(request), deps);
    if ('kind' in caller) return refused(caller);
    return await work(caller, deps);
  } catch (error) {
    invocationLogger(context).error('booking request failed', failureForLog(error));
    return problem(500, 'internal error; see the logs');
  }
}

async function bodyOf<T>(request: HttpRequest, schema: z.ZodType<T>) {
  return readJsonBody(request, schema, MAX_BODY_BYTES);
}

const answered = (status: number, json: unknown): HttpResponseInit => ({
  status,
  headers: NO_STORE,
  jsonBody: json,
});

async function postFreeTime(request: HttpRequest, context: InvocationContext) {
  return withCaller(request, context, async (caller, deps) => {
    const parsed = await bodyOf(request, freeTimeRequestSchema);
    if (!parsed.ok) return parsed.response;
    const answer = await freeTime(caller, parsed.value, deps);
    return answer.kind === 'ok' ? answered(200, answer.value) : refused(answer);
  });
}

async function bookings(request: HttpRequest, context: InvocationContext) {
  return withCaller(request, context, async (caller, deps) => {
    if (request.method === 'GET') {
      const query = listQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
      if (!query.success) {
        const issue = query.error.issues[0];
        return {
          status: 400,
          jsonBody: { error: issue?.message ?? 'invalid query', path: issue?.path.join('.') || 'limit' },
        };
      }
      return answered(200, (await listBookings(caller, query.data.limit, deps)).value);
    }
    const parsed = await bodyOf(request, bookRequestSchema);
    if (!parsed.ok) return parsed.response;
    const answer = await book(caller, parsed.value, deps);
    if (answer.kind !== 'ok') return refused(answer);
    return answered(answer.value.replayed ? 200 : 201, { booking: answer.value.booking });
  });
}

async function oneBooking(request: HttpRequest, context: InvocationContext) {
  return withCaller(request, context, async (caller, deps) => {
    const bookingId = request.params.bookingId ?? '';
    if (request.method === 'DELETE') {
      const answer = await cancelBooking(caller, bookingId, deps);
      return answer.kind === 'ok' ? answered(200, { booking: answer.value.booking }) : refused(answer);
    }
    const parsed = await bodyOf(request, moveRequestSchema);
    if (!parsed.ok) return parsed.response;
    const answer = await moveBooking(caller, bookingId, parsed.value, deps);
    return answer.kind === 'ok' ? answered(200, { booking: answer.value.booking }) : refused(answer);
  });
}

async function openApi(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const { config } = await getRuntime();
  return { status: 200, jsonBody: bookingOpenApiDocument(config.PUBLIC_BASE_URL) };
}

registerHttp('bookingFreeTime', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: BOOKING_ROUTE.freeTime,
  handler: postFreeTime,
});
registerHttp('bookingBookings', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: BOOKING_ROUTE.bookings,
  handler: bookings,
});
registerHttp('bookingOne', {
  methods: ['PATCH', 'DELETE'],
  authLevel: 'anonymous',
  route: BOOKING_ROUTE.booking,
  handler: oneBooking,
});
registerHttp('bookingOpenApi', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: BOOKING_ROUTE.openApi,
  handler: openApi,
});
