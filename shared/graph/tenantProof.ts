// The proof of which tenant an admin belongs to: the OpenID Connect sign-in
// that follows the admin consent. The callback's `tenant` parameter is only
// what a browser sent and anyone can forge it; the ID token Entra ID signs is
// what names the tenant. Microsoft recommends signing the admin in to
// identify their organisation
// (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent,
// "Recommended: Sign the user into your app").
//
// The sign-in is the authorization code flow with `scope=openid`
// (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc,
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow):
// the code is redeemed once, with the app's secret or its federated
// credential's client assertion (federatedCredential.ts), at the token endpoint,
// and the ID token is validated as the ID token reference says
// (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference):
// RS256 signature by a key from `/common/discovery/v2.0/keys`, `aud` the
// app's client id, `iss` `https://login.microsoftonline.com/{tid}/v2.0` for
// the token's own `tid` (multi-tenant apps validate the issuer per tenant),
// `exp`/`nbf`, and the `nonce` we sent.

import { createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { MANAGED_IDENTITY_UNAVAILABLE } from './tokenSource';

export interface SignInSettings {
  /** login.microsoftonline.com, or the simulator locally. */
  authorityHost: string;
  callbackUrl: string;
  /**
   * The form fields that authenticate the app the admin consented to (its
   * secret, or its federated credential's assertion); undefined when that app
   * is not deployed.
   */
  clientAuthFor(clientId: string): Promise<Record<string, string> | undefined> | undefined;
}

export interface SignInRequest {
  clientId: string;
  /** The `state` to carry through the sign-in. */
  state: string;
  nonce: string;
}

export type TenantProof =
  | { kind: 'proven'; tenantId: string }
  /** Entra refused the code, or the token failed a check: `code` says which, for the logs and the page. */
  | { kind: 'refused'; code: string };

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const tokenAnswerSchema = z.object({ id_token: z.string().min(1).max(16_384) });
const tokenErrorSchema = z.object({
  error: z.string().max(200),
  error_codes: z.array(z.number()).optional(),
});

/** Where the admin's browser goes to sign in: any work account, code flow, our nonce. */
export function signInUrl(
  request: SignInRequest,
  settings: Pick<SignInSettings, 'authorityHost' | 'callbackUrl'>,
): string {
  const url = new URL('organizations/oauth2/v2.0/authorize', withSlash(settings.authorityHost));
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', settings.callbackUrl);
  url.searchParams.set('response_mode', 'query');
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('state', request.state);
  url.searchParams.set('nonce', request.nonce);
  return url.toString();
}

const keySets = new Map<string, JWTVerifyGetKey>();

function keySetFor(authorityHost: string): JWTVerifyGetKey {
  let keys = keySets.get(authorityHost);
  if (!keys) {
    keys = createRemoteJWKSet(new URL('common/discovery/v2.0/keys', withSlash(authorityHost)));
    keySets.set(authorityHost, keys);
  }
  return keys;
}

/** Redeems the sign-in's code and returns the tenant the validated ID token names. */
export async function proveTenant(
  answer: { code: string; clientId: string; nonce: string },
  settings: SignInSettings,
  keys: JWTVerifyGetKey = keySetFor(settings.authorityHost),
): Promise<TenantProof> {
  let clientAuth: Record<string, string> | undefined;
  try {
    clientAuth = await settings.clientAuthFor(answer.clientId);
  } catch {
    // The managed identity gave no assertion and there is no secret: a page naming it, not a 500.
    return { kind: 'refused', code: MANAGED_IDENTITY_UNAVAILABLE };
  }
  if (!clientAuth) return { kind: 'refused', code: 'app_not_deployed' };
  const response = await fetch(
    new URL('organizations/oauth2/v2.0/token', withSlash(settings.authorityHost)),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: answer.clientId,
        ...clientAuth,
        grant_type: 'authorization_code',
        code: answer.code,
        redirect_uri: settings.callbackUrl,
        scope: 'openid',
      }),
      signal: AbortSignal.timeout(10_000),
    },
  );
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = tokenErrorSchema.safeParse(body);
    const aadsts = error.success ? error.data.error_codes?.[0] : undefined;
    return { kind: 'refused', code: aadsts ? `AADSTS${aadsts}` : 'token_endpoint_error' };
  }
  const parsed = tokenAnswerSchema.safeParse(body);
  if (!parsed.success) return { kind: 'refused', code: 'no_id_token' };
  return verifyIdToken(parsed.data.id_token, answer, settings.authorityHost, keys);
}

export async function verifyIdToken(
  idToken: string,
  expected: { clientId: string; nonce: string },
  authorityHost: string,
  keys: JWTVerifyGetKey,
): Promise<TenantProof> {
  let claimedTenant: unknown;
  try {
    claimedTenant = decodeJwt(idToken).tid;
  } catch {
    return { kind: 'refused', code: 'malformed_id_token' };
  }
  if (typeof claimedTenant !== 'string' || !TENANT_ID.test(claimedTenant)) {
    return { kind: 'refused', code: 'no_tenant_in_id_token' };
  }
  try {
    const { payload } = await jwtVerify(idToken, keys, {
      algorithms: ['RS256'],
      audience: expected.clientId,
      issuer: `${authorityHost.replace(/\/+$/, '')}/${claimedTenant}/v2.0`,
      requiredClaims: ['exp', 'iat', 'nonce', 'tid'],
      clockTolerance: 300,
    });
    if (payload.nonce !== expected.nonce) return { kind: 'refused', code: 'id_token_nonce' };
    return { kind: 'proven', tenantId: claimedTenant };
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'id_token_invalid';
    return { kind: 'refused', code: code.replace(/[^A-Z_]/gi, '').slice(0, 40) || 'id_token_invalid' };
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
