import { z } from 'zod';
import type { Logger } from '../logger';
import type { SecretStore } from '../secrets/secretStore';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import type { IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { consentStateKey, signConsentState, verifyConsentState } from './consentState';
import { type ProvisioningDeps, provisionIntegration } from './userProvisioning';

export interface ConsentSettings {
  clientId: string;
  /** The app of the scoped mode (no calendar permission); absent when not deployed. */
  scopedClientId?: string;
  /** login.microsoftonline.com, or the simulator locally. */
  authorityHost: string;
  callbackUrl: string;
  linkMinutes: number;
}

export interface ConsentDeps extends ProvisioningDeps {
  secrets: SecretStore;
  consent: ConsentSettings;
}

export type ConsentLink =
  | { kind: 'redirect'; location: string }
  | { kind: 'unknownIntegration' }
  | { kind: 'scopedModeUnavailable' };

/**
 * The admin consent link: Microsoft's v2.0 `adminconsent` endpoint for any
 * work account (`organizations`), asking for the app's configured
 * permissions (`/.default`), with a signed state naming the integration.
 */
export async function consentRedirect(
  integrationId: string,
  deps: Pick<ConsentDeps, 'repos' | 'secrets' | 'now' | 'consent'>,
): Promise<ConsentLink> {
  const integration = await deps.repos.integrations.get(integrationId);
  if (!integration) return { kind: 'unknownIntegration' };
  // The scoped mode's app asks for no calendar permission; /.default grants exactly what its registration lists.
  const clientId =
    integration.value.consentMode === 'scoped' ? deps.consent.scopedClientId : deps.consent.clientId;
  if (!clientId) return { kind: 'scopedModeUnavailable' };
  const key = await consentStateKey(deps.secrets);
  const expiresAt = new Date(deps.now().getTime() + deps.consent.linkMinutes * 60_000);
  const url = new URL('organizations/v2.0/adminconsent', withSlash(deps.consent.authorityHost));
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  url.searchParams.set('redirect_uri', deps.consent.callbackUrl);
  url.searchParams.set('state', signConsentState(integrationId, expiresAt, key));
  return { kind: 'redirect', location: url.toString() };
}

/** What Microsoft appends to the redirect URI; anything else is ignored. */
export const consentCallbackQuerySchema = z.object({
  state: z.string().max(2048).optional(),
  tenant: z.string().max(100).optional(),
  admin_consent: z.string().max(10).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
});
export type ConsentCallbackQuery = z.infer<typeof consentCallbackQuerySchema>;

export type ConsentOutcome =
  | { kind: 'granted'; integrationName: string; users: number }
  | { kind: 'declined' }
  | { kind: 'needsAdmin' }
  | { kind: 'tenantMismatch' }
  | { kind: 'expiredLink' }
  | { kind: 'invalidLink' }
  | { kind: 'failed'; code: string };

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The callback: checks the state first (nothing is believed before that),
 * then reads Microsoft's answer. On success the tenant and the time are
 * recorded and the integration's users are provisioned.
 */
export async function completeConsent(
  query: ConsentCallbackQuery,
  deps: ConsentDeps,
): Promise<ConsentOutcome> {
  if (!query.state) return { kind: 'invalidLink' };
  const check = verifyConsentState(query.state, await consentStateKey(deps.secrets), deps.now());
  if (check.kind === 'invalid') return { kind: 'invalidLink' };
  if (check.kind === 'expired') return { kind: 'expiredLink' };
  const integrationId = check.integrationId;
  if (query.error) {
    const outcome = microsoftError(query.error, query.error_description ?? '');
    await recordConsentFailure(integrationId, outcome, deps);
    deps.log.warn('admin consent not given', { integrationId, outcome: outcome.kind });
    return outcome;
  }
  if (query.admin_consent?.toLowerCase() !== 'true' || !query.tenant || !TENANT_ID.test(query.tenant)) {
    return { kind: 'failed', code: 'unexpected_response' };
  }
  const tenantId = query.tenant.toLowerCase();
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined => {
      if (otherTenant(current, tenantId)) return undefined;
      const { consentError: _e, consentRequiredSince: _s, ...rest } = current;
      return { ...rest, tenantId, consentState: 'granted', consentedAt: now, updatedAt: now };
    },
  );
  if (outcome.kind === 'notFound') return { kind: 'invalidLink' };
  if (outcome.kind === 'conflict') {
    // Microsoft has the consent; only our record of it is missing, and the link can simply be used again.
    deps.log.warn('admin consent could not be recorded: the integration kept changing', { integrationId });
    return { kind: 'failed', code: 'service_busy' };
  }
  if (outcome.kind === 'unchanged') {
    deps.log.warn('admin consent came from another tenant', { integrationId });
    return { kind: 'tenantMismatch' };
  }
  const integration = outcome.value;
  deps.log.info('admin consent granted', { integrationId });
  try {
    const report = await provisionIntegration(integrationId, deps);
    return { kind: 'granted', integrationName: integration.name, users: report.synced + report.added };
  } catch (error) {
    // Consent is recorded either way; the maintenance run re-creates what is missing and catches up.
    deps.log.error('provisioning after consent stopped early', {
      integrationId,
      error: error instanceof Error ? error.name : 'error',
    });
    return { kind: 'granted', integrationName: integration.name, users: 0 };
  }
}

/**
 * Microsoft's errors on the redirect. `access_denied` with AADSTS65004 is
 * the admin pressing Cancel; AADSTS90093/90094 (or consent_required) mean the
 * signed-in account may not grant application permissions.
 */
function microsoftError(error: string, description: string): ConsentOutcome {
  const code = /AADSTS(\d+)/.exec(description)?.[1];
  if (code === '90093' || code === '90094' || code === '90008' || error === 'consent_required') {
    return { kind: 'needsAdmin' };
  }
  if (error === 'access_denied' || code === '65004') return { kind: 'declined' };
  return { kind: 'failed', code: code ? `AADSTS${code}` : error.replace(/[^a-z_]/gi, '').slice(0, 40) };
}

/** A consent for an integration already tied to a tenant must come from that tenant. */
function otherTenant(integration: IntegrationRecord, tenantId: string): boolean {
  return integration.tenantId !== undefined && integration.tenantId.toLowerCase() !== tenantId;
}

async function recordConsentFailure(
  integrationId: string,
  outcome: ConsentOutcome,
  deps: Pick<ConsentDeps, 'repos' | 'now' | 'log'>,
): Promise<void> {
  const reason = outcome.kind === 'failed' ? `consent failed (${outcome.code})` : `consent ${outcome.kind}`;
  const updatedAt = deps.now().toISOString();
  const recorded = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current) =>
      // A working integration keeps working when someone cancels a second consent.
      current.consentState === 'granted' ? undefined : { ...current, consentError: reason, updatedAt },
  );
  // The admin is shown the outcome either way; the stored reason is only a hint for the operator.
  if (recorded.kind === 'conflict') {
    deps.log.warn('the consent failure could not be recorded: the integration kept changing', {
      integrationId,
    });
  }
}

/**
 * Graph or Entra ID refused the tenant: stop calling Graph for it until an
 * admin consents again. Idempotent, and safe against concurrent writers.
 */
export async function markConsentRequired(
  integrationId: string,
  code: string,
  deps: { repos: Pick<Repositories, 'integrations'>; now: () => Date; log: Logger },
): Promise<boolean> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined =>
      current.consentState === 'consentRequired'
        ? undefined
        : {
            ...current,
            consentState: 'consentRequired',
            consentError: `Entra ID refused the tenant (${code})`,
            consentRequiredSince: now,
            updatedAt: now,
          },
  );
  // Unmarked, the integration would keep asking Entra ID: fail so the caller's queue or timer tries again.
  if (settledOrThrow(outcome, `integration ${integrationId}`).kind !== 'updated') return false;
  deps.log.warn('the tenant refuses the app; consent is required again', { integrationId, code });
  return true;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
