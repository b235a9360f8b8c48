// Mints and revokes the PBX's API key for the status pull endpoint
// (functions/pbxStatus.ts). The answer to a mint is the only time the key is
// shown; it must not be cached anywhere.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { mintIntegrationPbxApiKey, revokeIntegrationPbxApiKey } from '../shared/management/pbxApiKeys';
import { registerHttp } from './http/functionRegistry';
import { byMethod, managementDeps } from './http/managementRoute';
import { outcomeResponse } from './http/outcomeResponse';

export async function postPbxApiKey(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const deps = (await managementDeps(context)).pbxApiKeys;
  const answer = outcomeResponse(await mintIntegrationPbxApiKey(request.params.id ?? '', deps), 200);
  return { ...answer, headers: { 'cache-control': 'no-store' } };
}

export async function deletePbxApiKey(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const deps = (await managementDeps(context)).pbxApiKeys;
  return outcomeResponse(
    await revokeIntegrationPbxApiKey(request.params.id ?? '', deps),
    204,
    () => undefined,
  );
}

registerHttp('pbxApiKey', {
  methods: ['POST', 'DELETE'],
  authLevel: 'function',
  route: 'manage/integrations/{id}/pbx/api-key',
  handler: byMethod({ POST: postPbxApiKey, DELETE: deletePbxApiKey }),
});
