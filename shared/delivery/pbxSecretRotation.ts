import type { Logger } from '../logger';
import { notFound, type Refusal } from '../outcome';
import { type PbxSecret, readPbxSecret, writePbxSecret } from '../pbx/pbxSecret';
import { generateSigningSecret } from '../pbx/signing';
import type { SecretStore } from '../secrets/secretStore';
import type { IntegrationRepository } from '../storage/repositories';

export interface RotationDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  secrets: Pick<SecretStore, 'get' | 'set'>;
  now: () => Date;
  /** How long the old secret keeps signing next to the new one (PBX_SECRET_ROTATION_HOURS). */
  windowHours: number;
  log: Logger;
}

export type RotationResult = { kind: 'rotated'; secret: string; previousValidUntil?: string } | Refusal;

/**
 * A new signing secret for the integration's PBX. The old one keeps signing
 * beside it until the window ends, so the PBX can switch whenever it likes
 * within the window. The new secret is returned once, here, and never again:
 * the operator must hand it to the PBX. A second rotation inside the window
 * drops the oldest secret (only two are ever sent).
 */
export async function rotatePbxSecret(integrationId: string, deps: RotationDeps): Promise<RotationResult> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  const stored = await deps.secrets.get(integration.pbxSecretName);
  const old = stored === undefined ? undefined : readPbxSecret(stored);
  const fresh = generateSigningSecret();
  const now = deps.now();
  const until = new Date(now.getTime() + deps.windowHours * 3_600_000).toISOString();
  const next: PbxSecret =
    old?.kind === 'ok' && deps.windowHours > 0
      ? { current: fresh, previous: { secret: old.secret.current, until } }
      : { current: fresh };
  await deps.secrets.set(integration.pbxSecretName, writePbxSecret(next));
  deps.log.info('PBX signing secret rotated', {
    integrationId,
    previousValidUntil: next.previous?.until ?? null,
    // An unreadable old secret cannot be kept; say so without printing it.
    ...(old?.kind === 'unreadable' ? { previousDropped: old.why } : {}),
  });
  return {
    kind: 'rotated',
    secret: fresh,
    ...(next.previous ? { previousValidUntil: next.previous.until } : {}),
  };
}
