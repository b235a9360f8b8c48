// The PBX pull endpoint: a user's status now and their timeline for the next
// days, for a PBX that restarted and does not want to wait for a snapshot.
// Anonymous to the Functions host, because the PBX holds no function key (and
// must not: that key opens the whole management API); the integration's own
// PBX API key (`Authorization: Bearer pbxk_...`) is checked by the service,
// and an operator's function key opens nothing here.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { failureForLog } from '../shared/logger';
import { getRuntime } from '../shared/runtime';
import { pullUserStatus } from '../shared/status/statusPull';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { refusalResponse } from './http/outcomeResponse';
import { problem } from './http/requestBody';

export const PBX_STATUS_ROUTE = 'pbx/v1/users/{user}/status';

/** One answer for every key that does not open the integration, whatever the reason. */
const UNAUTHORIZED: HttpResponseInit = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' },
  jsonBody: { error: "a valid PBX API key is required: 'Authorization: Bearer pbxk_...'" },
};

/** The token of `Authorization: Bearer <token>` (the scheme in any case, RFC 9110 §11.1). */
function bearerToken(request: HttpRequest): string | undefined {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

export async function getPbxStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const days = request.query.get('days');
    const result = await pullUserStatus(
      {
        key: bearerToken(request),
        user: request.params.user ?? '',
        days: days === null ? undefined : days,
      },
      (await getRuntime()).statusPull(),
    );
    if (result.kind === 'unauthorized') return UNAUTHORIZED;
    if (result.kind !== 'found') {
      const refused = refusalResponse(result);
      return { ...refused, headers: { 'cache-control': 'no-store' } };
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: result.view };
  } catch (error) {
    // Never the request's headers: they carry the key.
    invocationLogger(context).error('PBX status request failed', failureForLog(error));
    return problem(500, 'internal error; see the logs');
  }
}

registerHttp('pbxStatus', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: PBX_STATUS_ROUTE,
  handler: getPbxStatus,
});
