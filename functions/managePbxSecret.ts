// Rotates an integration's PBX signing secret. The answer carries the new
// secret, the only time it is ever shown; it must not be cached anywhere.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { rotatePbxSecret } from '../shared/delivery/pbxSecretRotation';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps } from './http/managementRoute';
import { refusalResponse } from './http/outcomeResponse';

export async function postRotatePbxSecret(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const id = request.params.id ?? '';
  const result = await rotatePbxSecret(id, (await managementDeps(context)).rotation);
  if (result.kind !== 'rotated') return refusalResponse(result);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      secret: result.secret,
      ...(result.previousValidUntil ? { previousValidUntil: result.previousValidUntil } : {}),
    },
  };
}

registerHttp('rotatePbxSecret', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'manage/integrations/{id}/pbx/secret/rotate',
  handler: byMethod({ POST: postRotatePbxSecret }),
});
