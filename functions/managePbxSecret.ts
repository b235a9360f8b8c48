import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { rotatePbxSecret } from '../shared/delivery/pbxSecretRotation';
import { getRuntime } from '../shared/runtime';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { refusalResponse } from './http/outcomeResponse';
import { problem } from './http/requestBody';

/**
 * Rotates an integration's PBX signing secret. The answer carries the new
 * secret, the only time it is ever shown; it must not be cached anywhere.
 */
export async function postRotatePbxSecret(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const id = request.params.id ?? '';
  if (id.length > 100) return problem(400, 'integration id longer than 100 characters');
  const runtime = await getRuntime();
  const result = await rotatePbxSecret(id, {
    integrations: runtime.repos.integrations,
    secrets: runtime.secrets,
    now: runtime.now,
    windowHours: runtime.config.PBX_SECRET_ROTATION_HOURS,
    log: invocationLogger(context),
  });
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
  handler: postRotatePbxSecret,
});
