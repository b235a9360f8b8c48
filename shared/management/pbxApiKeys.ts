// The PBX's API key for the status pull endpoint, as the operator hands it
// out: minted here, shown once in the answer, kept only as a hash on the
// integration row. Minting again replaces the key at once, with no overlap:
// a PBX only asks when it restarts or catches up, so it can take the new key
// then, and a key the operator thinks leaked stops working the moment a new
// one is minted. Revoking removes it without a replacement.

import type { Logger } from '../logger';
import { type Outcome, ok } from '../outcome';
import { mintPbxApiKey, pbxApiKeyHash } from '../pbx/pbxApiKey';
import { integrationRow, optimisticUpdate } from '../storage/optimisticUpdate';
import type { IntegrationRepository } from '../storage/repositories';
import { keptChanging, noIntegration } from './refusals';

export interface PbxApiKeyDeps {
  integrations: Pick<IntegrationRepository, 'get' | 'update'>;
  now: () => Date;
  log: Logger;
}

export interface MintedPbxApiKey {
  key: string;
  createdAt: string;
  /** Whether a key existed before and stopped working with this one. */
  replaced: boolean;
}

export async function mintIntegrationPbxApiKey(
  integrationId: string,
  deps: PbxApiKeyDeps,
): Promise<Outcome<MintedPbxApiKey>> {
  const key = mintPbxApiKey(integrationId);
  const createdAt = deps.now().toISOString();
  // Set by the round whose write landed (each round starts from a fresh read).
  let replaced = false;
  const outcome = await optimisticUpdate(integrationRow(deps.integrations, integrationId), (current) => {
    replaced = current.pbxApiKey !== undefined;
    return { ...current, pbxApiKey: { hash: pbxApiKeyHash(key), createdAt }, updatedAt: createdAt };
  });
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  // That it happened, never the key nor its hash.
  deps.log.info('PBX API key minted', { integrationId, replaced });
  return ok({ key, createdAt, replaced });
}

export async function revokeIntegrationPbxApiKey(
  integrationId: string,
  deps: PbxApiKeyDeps,
): Promise<Outcome<{ revoked: boolean }>> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(integrationRow(deps.integrations, integrationId), (current) => {
    if (!current.pbxApiKey) return undefined;
    const { pbxApiKey: _, ...rest } = current;
    return { ...rest, updatedAt: now };
  });
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (outcome.kind === 'updated') deps.log.info('PBX API key revoked', { integrationId });
  return ok({ revoked: outcome.kind === 'updated' });
}
