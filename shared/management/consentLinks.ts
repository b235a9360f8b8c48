// What the operator does about consent: mint a link for the customer's admin,
// and undo a tenant binding on purpose (the only way an integration ever
// leaves its tenant; a consent callback never rebinds one).

import { isExchangeServer } from '../exchange/exchangeServerIntegration';
import { type MintedLink, mintConsentLink, unbindTenant } from '../onboarding/consentFlow';
import { type Outcome, ok, type Refusal } from '../outcome';
import { noConsentForExchangeServer } from './exchangeServerSetup';
import type { AdminDeps } from './integrations';
import { type IntegrationView, integrationView } from './integrationViews';
import { keptChanging, noIntegration } from './refusals';

export async function createConsentLink(
  integrationId: string,
  deps: Pick<AdminDeps, 'repos' | 'now' | 'publicBaseUrl' | 'log'>,
): Promise<Outcome<MintedLink>> {
  const refused = await exchangeServerRefusal(integrationId, deps);
  if (refused) return refused;
  const minted = await mintConsentLink(integrationId, deps);
  if (!minted) return noIntegration(integrationId);
  deps.log.info('consent link minted', { integrationId, expiresAt: minted.expiresAt });
  return ok(minted);
}

export async function unbindIntegration(
  integrationId: string,
  reason: string,
  deps: Pick<AdminDeps, 'repos' | 'now' | 'publicBaseUrl' | 'log'>,
): Promise<Outcome<IntegrationView>> {
  const refused = await exchangeServerRefusal(integrationId, deps);
  if (refused) return refused;
  const outcome = await unbindTenant(integrationId, reason, deps);
  if (!outcome) return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  return ok(integrationView(outcome.integration, deps.publicBaseUrl));
}

/** Consent is Microsoft 365's: an Exchange Server integration has no link to mint and no tenant to unbind. */
async function exchangeServerRefusal(
  integrationId: string,
  deps: Pick<AdminDeps, 'repos'>,
): Promise<Refusal | undefined> {
  const stored = (await deps.repos.integrations.get(integrationId))?.value;
  return stored && isExchangeServer(stored) ? noConsentForExchangeServer(integrationId) : undefined;
}
