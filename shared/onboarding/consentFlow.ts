// Admin consent, bound to a tenant Entra ID vouches for.
//
// 1. An operator mints a consent link (mintConsentLink): an unguessable,
//    expiring token naming one integration. Nothing else opens the flow.
// 2. The admin opens it (openConsentLink): a single-use state is stored on
//    the link and the browser goes to Microsoft's admin consent endpoint
//    (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent).
// 3. Microsoft redirects back with `admin_consent=True&tenant=…`. The
//    `tenant` there is only what the browser sent, so it is never used: the
//    state is burned and the admin is sent on to sign in with OpenID Connect.
// 4. The sign-in comes back with a code; its ID token, validated in
//    shared/graph/tenantProof.ts, names the tenant (`tid`). Only then is the
//    integration bound, and only if it is not bound to another tenant.
// Every step burns the state it was given, so a replayed callback finds
// nothing; a link that connected its integration opens nothing again.

import { z } from 'zod';
import type { TenantProof } from '../graph/tenantProof';
import { signInUrl } from '../graph/tenantProof';
import type { Logger } from '../logger';
import {
  consentLinkRow,
  integrationRow,
  optimisticUpdate,
  settledOrThrow,
} from '../storage/optimisticUpdate';
import type { ConsentFlowStep, ConsentLinkRecord, IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { consentStateOf, linkIdOf, newSecret, parseConsentState, sameNonce } from './consentState';
import { type ProvisioningDeps, provisionIntegration } from './userProvisioning';

export interface ConsentSettings {
  clientId: string;
  /** The app of the scoped mode (no calendar permission); absent when not deployed. */
  scopedClientId?: string;
  /** login.microsoftonline.com, or the simulator locally. */
  authorityHost: string;
  callbackUrl: string;
  /** How long one pass through Microsoft (consent, then sign-in) may take. */
  linkMinutes: number;
}

export interface ConsentDeps extends ProvisioningDeps {
  consent: ConsentSettings;
  /** Redeems the sign-in's code and validates the ID token (shared/graph/tenantProof.ts). */
  proveTenant(answer: { code: string; clientId: string; nonce: string }): Promise<TenantProof>;
}

/** An operator sends the link by hand; a week covers a customer's admin being away for a few days. */
export const CONSENT_LINK_DAYS = 7;

export type ConsentLink =
  | { kind: 'redirect'; location: string }
  /** Unknown, expired or used: one answer for all, so the public path tells nothing apart. */
  | { kind: 'invalidLink' }
  | { kind: 'scopedModeUnavailable' };

export interface MintedLink {
  url: string;
  expiresAt: string;
}

/** A new consent link for one integration; undefined when there is no such integration. */
export async function mintConsentLink(
  integrationId: string,
  deps: {
    repos: Pick<Repositories, 'integrations' | 'consentLinks'>;
    now: () => Date;
    publicBaseUrl: string;
  },
): Promise<MintedLink | undefined> {
  if (!(await deps.repos.integrations.get(integrationId))) return undefined;
  const token = newSecret();
  const linkId = linkIdOf(token);
  if (!linkId) throw new Error('a fresh consent link token has the wrong shape');
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + CONSENT_LINK_DAYS * 86_400_000).toISOString();
  await deps.repos.consentLinks.create({ linkId, integrationId, createdAt: now.toISOString(), expiresAt });
  return { url: `${deps.publicBaseUrl.replace(/\/+$/, '')}/api/consent/${token}`, expiresAt };
}

function linkIsOpen(link: ConsentLinkRecord, now: Date): boolean {
  return link.usedAt === undefined && Date.parse(link.expiresAt) > now.getTime();
}

/**
 * The admin opens the link: Microsoft's v2.0 `adminconsent` endpoint for any
 * work account (`organizations`), asking for the app's configured
 * permissions (`/.default`), with a fresh state stored on the link (which
 * replaces one handed out before: only the latest opening can complete).
 */
export async function openConsentLink(
  token: string,
  deps: Pick<ConsentDeps, 'repos' | 'now' | 'consent'>,
): Promise<ConsentLink> {
  const linkId = linkIdOf(token);
  if (!linkId) return { kind: 'invalidLink' };
  const now = deps.now();
  const link = await deps.repos.consentLinks.get(linkId);
  if (!link || !linkIsOpen(link.value, now)) return { kind: 'invalidLink' };
  const integration = await deps.repos.integrations.get(link.value.integrationId);
  // An Exchange Server integration has nothing to consent to (no link is minted for one).
  if (!integration || integration.value.exchangeServer) return { kind: 'invalidLink' };
  // The scoped mode's app asks for no calendar permission; /.default grants exactly what its registration lists.
  const clientId =
    integration.value.consentMode === 'scoped' ? deps.consent.scopedClientId : deps.consent.clientId;
  if (!clientId) return { kind: 'scopedModeUnavailable' };
  const flow: ConsentFlowStep = {
    step: 'consent',
    nonce: newSecret(),
    clientId,
    expiresAt: new Date(now.getTime() + deps.consent.linkMinutes * 60_000).toISOString(),
  };
  const stored = await optimisticUpdate(consentLinkRow(deps.repos.consentLinks, linkId), (current) =>
    linkIsOpen(current, now) ? { ...current, flow } : undefined,
  );
  if (stored.kind !== 'updated') return { kind: 'invalidLink' };
  const url = new URL('organizations/v2.0/adminconsent', withSlash(deps.consent.authorityHost));
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  url.searchParams.set('redirect_uri', deps.consent.callbackUrl);
  url.searchParams.set('state', consentStateOf(linkId, flow.nonce));
  return { kind: 'redirect', location: url.toString() };
}

/** What Microsoft appends to the redirect URI; anything else is ignored (and so is `tenant`). */
export const consentCallbackQuerySchema = z.object({
  state: z.string().max(2048).optional(),
  admin_consent: z.string().max(10).optional(),
  code: z.string().max(8192).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
});
export type ConsentCallbackQuery = z.infer<typeof consentCallbackQuerySchema>;

export type ConsentOutcome =
  | { kind: 'granted'; integrationName: string; users: number }
  /** Consent given; the admin's browser goes on to sign in, which proves the tenant. */
  | { kind: 'signIn'; location: string }
  | { kind: 'declined' }
  | { kind: 'needsAdmin' }
  | { kind: 'tenantMismatch' }
  | { kind: 'expiredLink' }
  | { kind: 'invalidLink' }
  | { kind: 'failed'; code: string };

/**
 * Microsoft's redirect back, after the consent screen or after the sign-in.
 * The state is burned before anything else is believed.
 */
export async function completeConsent(
  query: ConsentCallbackQuery,
  deps: ConsentDeps,
): Promise<ConsentOutcome> {
  const state = query.state === undefined ? undefined : parseConsentState(query.state);
  if (!state) return { kind: 'invalidLink' };
  const now = deps.now();
  let burned: { flow: ConsentFlowStep; integrationId: string } | undefined;
  const burn = await optimisticUpdate(consentLinkRow(deps.repos.consentLinks, state.linkId), (current) => {
    burned = undefined;
    if (!current.flow || current.usedAt !== undefined || !sameNonce(state.nonce, current.flow.nonce)) {
      return undefined;
    }
    burned = { flow: current.flow, integrationId: current.integrationId };
    const { flow: _, ...rest } = current;
    return rest;
  });
  if (burn.kind !== 'updated' || !burned) return { kind: 'invalidLink' };
  const { flow, integrationId } = burned;
  if (Date.parse(flow.expiresAt) <= now.getTime() || Date.parse(burn.value.expiresAt) <= now.getTime()) {
    return { kind: 'expiredLink' };
  }
  if (query.error) {
    const outcome = microsoftError(query.error, query.error_description ?? '');
    await recordConsentFailure(integrationId, outcome, deps);
    deps.log.warn('admin consent not given', { integrationId, step: flow.step, outcome: outcome.kind });
    return outcome;
  }
  if (flow.step === 'consent') return startSignIn(state.linkId, flow, query, deps);
  if (!query.code || !flow.oidcNonce) return { kind: 'failed', code: 'unexpected_response' };
  const proof = await deps.proveTenant({ code: query.code, clientId: flow.clientId, nonce: flow.oidcNonce });
  if (proof.kind === 'refused') {
    deps.log.warn('the admin sign-in did not prove a tenant', { integrationId, code: proof.code });
    return { kind: 'failed', code: proof.code };
  }
  return bindTenant(state.linkId, integrationId, proof.tenantId, deps);
}

/** After the consent screen: on to the sign-in, with a new single-use state and an OpenID Connect nonce. */
async function startSignIn(
  linkId: string,
  consented: ConsentFlowStep,
  query: ConsentCallbackQuery,
  deps: ConsentDeps,
): Promise<ConsentOutcome> {
  if (query.admin_consent?.toLowerCase() !== 'true') return { kind: 'failed', code: 'unexpected_response' };
  const now = deps.now();
  const flow: ConsentFlowStep = {
    step: 'signIn',
    nonce: newSecret(),
    oidcNonce: newSecret(),
    clientId: consented.clientId,
    expiresAt: new Date(now.getTime() + deps.consent.linkMinutes * 60_000).toISOString(),
  };
  const stored = await optimisticUpdate(consentLinkRow(deps.repos.consentLinks, linkId), (current) =>
    // Another opening of the link since: that one is the admin's current attempt.
    linkIsOpen(current, now) && current.flow === undefined ? { ...current, flow } : undefined,
  );
  if (stored.kind !== 'updated') return { kind: 'invalidLink' };
  return {
    kind: 'signIn',
    location: signInUrl(
      { clientId: flow.clientId, state: consentStateOf(linkId, flow.nonce), nonce: flow.oidcNonce ?? '' },
      { authorityHost: deps.consent.authorityHost, callbackUrl: deps.consent.callbackUrl },
    ),
  };
}

/**
 * Records the proven tenant. An integration bound to another tenant stays as
 * it is; one already granted for this tenant is not provisioned again.
 */
async function bindTenant(
  linkId: string,
  integrationId: string,
  tenantId: string,
  deps: ConsentDeps,
): Promise<ConsentOutcome> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined => {
      if (otherTenant(current, tenantId)) return undefined;
      if (current.consentState === 'granted' && current.tenantId !== undefined) return undefined;
      const { consentError: _e, consentRequiredSince: _s, missingPermissions: _m, ...rest } = current;
      return { ...rest, tenantId, consentState: 'granted', consentedAt: now, updatedAt: now };
    },
  );
  if (outcome.kind === 'notFound') return { kind: 'invalidLink' };
  if (outcome.kind === 'conflict') {
    // Microsoft has the consent; only our record of it is missing: the operator can mint a new link.
    deps.log.warn('admin consent could not be recorded: the integration kept changing', { integrationId });
    return { kind: 'failed', code: 'service_busy' };
  }
  if (outcome.kind === 'unchanged' && otherTenant(outcome.value, tenantId)) {
    deps.log.warn('admin consent came from another tenant; the integration keeps its own', { integrationId });
    return { kind: 'tenantMismatch' };
  }
  await optimisticUpdate(consentLinkRow(deps.repos.consentLinks, linkId), (current) =>
    current.usedAt === undefined ? { ...current, usedAt: now } : undefined,
  );
  const integration = outcome.value;
  if (outcome.kind === 'unchanged') {
    deps.log.info('admin consent confirmed an integration already granted', { integrationId });
    const users = await deps.repos.users.listByIntegration(integrationId);
    return { kind: 'granted', integrationName: integration.name, users: users.length };
  }
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
 * The operator's deliberate undo of a binding (a consent from the wrong
 * organisation, a customer moving tenants): the integration waits for a new
 * consent, and the reason is logged. undefined when there is no integration.
 */
export async function unbindTenant(
  integrationId: string,
  reason: string,
  deps: { repos: Pick<Repositories, 'integrations'>; now: () => Date; log: Logger },
): Promise<
  { kind: 'unbound' | 'notBound'; integration: IntegrationRecord } | { kind: 'conflict' } | undefined
> {
  const now = deps.now().toISOString();
  let previousTenant: string | undefined;
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined => {
      previousTenant = current.tenantId;
      if (current.tenantId === undefined && current.consentState === 'pending') return undefined;
      const {
        tenantId: _t,
        consentedAt: _c,
        consentError: _e,
        consentRequiredSince: _s,
        missingPermissions: _m,
        ...rest
      } = current;
      return { ...rest, consentState: 'pending', updatedAt: now };
    },
  );
  if (outcome.kind === 'notFound') return undefined;
  if (outcome.kind === 'conflict') return outcome;
  if (outcome.kind === 'unchanged') return { kind: 'notBound', integration: outcome.value };
  deps.log.warn('integration unbound from its tenant by an operator', {
    integrationId,
    previousTenant: previousTenant ?? '(none)',
    reason,
  });
  return { kind: 'unbound', integration: outcome.value };
}

/**
 * Microsoft's errors on the redirect. AADSTS65004 (UserDeclinedConsent) is the
 * admin pressing Cancel, whatever `error` says: the admin consent endpoint
 * sends it as `error=consent_required` (with `admin_consent=True`), see
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#error-response
 * and https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
 * AADSTS90093/90094/90008 (or another consent_required) mean the signed-in
 * account may not grant application permissions.
 */
function microsoftError(error: string, description: string): ConsentOutcome {
  const code = /AADSTS(\d+)/.exec(description)?.[1];
  if (code === '65004') return { kind: 'declined' };
  if (code === '90093' || code === '90094' || code === '90008' || error === 'consent_required') {
    return { kind: 'needsAdmin' };
  }
  if (error === 'access_denied') return { kind: 'declined' };
  return { kind: 'failed', code: code ? `AADSTS${code}` : error.replace(/[^a-z_]/gi, '').slice(0, 40) };
}

/** A consent for an integration already tied to a tenant must come from that tenant. */
function otherTenant(integration: IntegrationRecord, tenantId: string): boolean {
  return integration.tenantId !== undefined && integration.tenantId.toLowerCase() !== tenantId.toLowerCase();
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
            ...withoutMissingPermissions(current),
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

/**
 * The tenant still lets the app in, but its token lacks permissions the sync
 * needs: stop calling Graph for it (the maintenance run keeps checking the
 * token) and name what is missing. Only a granted integration is marked; a
 * changed list is recorded. Idempotent, and safe against concurrent writers.
 */
export async function markPermissionsMissing(
  integrationId: string,
  missing: string[],
  deps: { repos: Pick<Repositories, 'integrations'>; now: () => Date; log: Logger },
): Promise<boolean> {
  const now = deps.now().toISOString();
  const names = [...missing].sort();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined => {
      if (current.consentState === 'permissionsMissing') {
        if ((current.missingPermissions ?? []).join(',') === names.join(',')) return undefined;
        return {
          ...current,
          missingPermissions: names,
          consentError: permissionsError(names),
          updatedAt: now,
        };
      }
      if (current.consentState !== 'granted') return undefined;
      return {
        ...current,
        consentState: 'permissionsMissing',
        missingPermissions: names,
        consentError: permissionsError(names),
        consentRequiredSince: now,
        updatedAt: now,
      };
    },
  );
  if (settledOrThrow(outcome, `integration ${integrationId}`).kind !== 'updated') return false;
  deps.log.warn('the tenant keeps the app but not the permissions the sync needs', {
    integrationId,
    missing: names.join(','),
  });
  return true;
}

/** The admin granted the permissions again: back to granted. True when this call made the change. */
export async function markPermissionsRestored(
  integrationId: string,
  deps: { repos: Pick<Repositories, 'integrations'>; now: () => Date; log: Logger },
): Promise<boolean> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined => {
      if (current.consentState !== 'permissionsMissing') return undefined;
      const { consentError: _e, consentRequiredSince: _s, ...rest } = withoutMissingPermissions(current);
      return { ...rest, consentState: 'granted', updatedAt: now };
    },
  );
  if (settledOrThrow(outcome, `integration ${integrationId}`).kind !== 'updated') return false;
  deps.log.info('the tenant grants the permissions the sync needs again', { integrationId });
  return true;
}

function permissionsError(names: string[]): string {
  return `the tenant no longer grants ${names.join(', ')}`;
}

function withoutMissingPermissions(record: IntegrationRecord): IntegrationRecord {
  const { missingPermissions: _m, ...rest } = record;
  return rest;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
