// Graph access tokens for a customer tenant, with the app's secret or its
// federated credential (a managed identity's token as client assertion,
// federatedCredential.ts): @azure/identity in Azure, the grant over plain HTTP
// against the simulator.

import { ClientAssertionCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { z } from 'zod';

/** Gives a Graph access token for one customer tenant (application permissions, client credentials). */
export type TokenSource = (tenantId: string) => Promise<string>;

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * Raised when Entra refuses the app a token for a tenant: consent missing or
 * revoked, service principal gone (tenantAccess.ts tells those apart), or our
 * own credential refused (no matching federated credential, wrong secret).
 */
export class TenantAccessError extends Error {
  constructor(
    readonly tenantId: string,
    readonly code: string,
  ) {
    super(
      OWN_CREDENTIAL_CODES.includes(code)
        ? `Entra ID refused the app's own credential for tenant ${tenantId} (${code}): check the federated identity credential or the client secret (docs/operations.md, "Graph credential: federated (no secret)")`
        : `Entra ID refused a token for tenant ${tenantId} (${code})`,
    );
    this.name = 'TenantAccessError';
  }
}

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Hands out a fresh client assertion (the managed identity's token). */
export type ClientAssertion = () => Promise<string>;

/** The managed identity gave no token: not assigned to this app, or its endpoint unreachable. */
export class ManagedIdentityUnavailable extends Error {
  constructor(options?: { cause: unknown }) {
    // The marker survives SDKs that re-wrap the error into their own message.
    super(`${MANAGED_IDENTITY_UNAVAILABLE}: the managed identity gave no token`, options);
    this.name = 'ManagedIdentityUnavailable';
  }
}

export const MANAGED_IDENTITY_UNAVAILABLE = 'managed_identity_unavailable';

/** AADSTS codes that are about our own federated credential, which a secret can get past. */
export const FEDERATION_REFUSALS: readonly string[] = [
  'AADSTS70021',
  'AADSTS700211',
  'AADSTS700212',
  'AADSTS700213',
  'AADSTS50013',
];

/** How the app proves itself to Entra ID for one token. */
export type AppCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'assertion'; assertion: ClientAssertion };

/**
 * Azure: @azure/identity's credential per tenant (it caches and refreshes
 * tokens itself). MSAL insists on an https authority, which is why the local
 * host uses `httpTokenSource` against the simulator instead.
 */
export function identityTokenSource(options: {
  clientId: string;
  credential: AppCredential;
  authorityHost: string;
}): TokenSource {
  const credentials = new Map<string, TokenCredential>();
  const { credential: appCredential } = options;
  return async (tenantId) => {
    let credential = credentials.get(tenantId);
    if (!credential) {
      const settings = { authorityHost: options.authorityHost };
      credential =
        appCredential.kind === 'secret'
          ? new ClientSecretCredential(tenantId, options.clientId, appCredential.clientSecret, settings)
          : // https://learn.microsoft.com/javascript/api/@azure/identity/clientassertioncredential
            new ClientAssertionCredential(tenantId, options.clientId, appCredential.assertion, settings);
      credentials.set(tenantId, credential);
    }
    try {
      const token = await credential.getToken(GRAPH_SCOPE);
      if (!token) throw new Error('Entra ID returned no token');
      return token.token;
    } catch (error) {
      throw asTenantAccessError(tenantId, error) ?? error;
    }
  };
}

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const tokenError = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * The client-credentials grant spoken directly over HTTP(S); used against the
 * Graph simulator. A federated credential is sent as a JWT-bearer client
 * assertion (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
 * "Second case: Access token request with a certificate": `client_assertion_type`
 * and `client_assertion` instead of `client_secret`).
 */
export function httpTokenSource(options: {
  clientId: string;
  credential: AppCredential;
  authorityHost: string;
  now?: () => number;
}): TokenSource {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: string; expiresAt: number }>();
  // Concurrent syncs of one tenant share one token request, as MSAL's cache makes them do in Azure.
  const pending = new Map<string, Promise<string>>();
  const request = async (tenantId: string): Promise<string> => {
    const response = await fetch(
      new URL(`${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, withSlash(options.authorityHost)),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: options.clientId,
          ...(await clientAuthentication(options.credential).catch((error: unknown) => {
            throw asTenantAccessError(tenantId, error) ?? error;
          })),
          scope: GRAPH_SCOPE,
        }),
      },
    );
    const json: unknown = await response.json().catch(() => undefined);
    if (response.status >= 500) throw new Error(`token endpoint answered ${response.status}`);
    if (!response.ok) {
      const parsed = tokenError.safeParse(json);
      // The AADSTS code says why (AADSTS7000229: no service principal); the OAuth error alone does not.
      const aadsts = parsed.success ? /AADSTS\d+/.exec(parsed.data.error_description ?? '')?.[0] : undefined;
      throw new TenantAccessError(
        tenantId,
        aadsts ?? (parsed.success ? parsed.data.error : `http ${response.status}`),
      );
    }
    const parsed = tokenResponse.parse(json);
    // Renew a minute early so a token never expires in flight.
    cache.set(tenantId, { token: parsed.access_token, expiresAt: now() + (parsed.expires_in - 60) * 1000 });
    return parsed.access_token;
  };
  return (tenantId) => {
    const cached = cache.get(tenantId);
    if (cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    let inFlight = pending.get(tenantId);
    if (!inFlight) {
      inFlight = request(tenantId).finally(() => pending.delete(tenantId));
      pending.set(tenantId, inFlight);
    }
    return inFlight;
  };
}

/**
 * The form fields that authenticate the app in a token request: the secret,
 * or a fresh managed-identity token as the client assertion.
 */
export async function clientAuthentication(credential: AppCredential): Promise<Record<string, string>> {
  if (credential.kind === 'secret') return { client_secret: credential.clientSecret };
  return { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await credential.assertion() };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** AADSTS codes that mean "this tenant has not (or no longer) granted the app". */
const NO_ACCESS_CODES = [
  'AADSTS7000229',
  'AADSTS7000112',
  'AADSTS65001',
  'AADSTS700016',
  'AADSTS90002',
  'AADSTS50020',
];

/** Entra's answers about the app's own credential: the federated credential's, and a wrong or expired secret. */
const OWN_CREDENTIAL_CODES: readonly string[] = [
  ...FEDERATION_REFUSALS,
  MANAGED_IDENTITY_UNAVAILABLE,
  'AADSTS7000215',
  'AADSTS7000222',
  'AADSTS7000218',
];

export function isOwnCredentialCode(code: string): boolean {
  return OWN_CREDENTIAL_CODES.includes(code);
}

function asTenantAccessError(tenantId: string, error: unknown): TenantAccessError | undefined {
  if (error instanceof ManagedIdentityUnavailable)
    return new TenantAccessError(tenantId, MANAGED_IDENTITY_UNAVAILABLE);
  const message = error instanceof Error ? error.message : String(error);
  // Longest first: AADSTS700211 must not be read as AADSTS70021.
  const code = [...NO_ACCESS_CODES, ...OWN_CREDENTIAL_CODES]
    .sort((a, b) => b.length - a.length)
    .find((c) => message.includes(c));
  return code ? new TenantAccessError(tenantId, code) : undefined;
}
