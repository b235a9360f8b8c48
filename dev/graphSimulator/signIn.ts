// Entra ID's OpenID Connect sign-in, strictly enough that the service has to
// validate what it gets: the authorize endpoint
// (`/{tenant}/oauth2/v2.0/authorize`, code flow) signs in the "admin" the
// admin consent answer named and redirects back with a single-use code; the
// token endpoint redeems that code once, for the app it was issued to, with
// that app's secret or federated assertion (workloadIdentity.ts) and the same redirect URI, for an RS256 ID token; the
// keys are served at `/{tenant}/discovery/v2.0/keys`.
// (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc,
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow,
// https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference)
//
// Lifetimes run on real time, as the access tokens' do (see accessTokens.ts).

import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { Directory } from './directory';
import { graphError, json, type SimRequest, type SimResponse } from './exchange';
import type { WorkloadIdentity } from './workloadIdentity';

const CODE_LIFETIME_MS = 10 * 60_000;
const ID_TOKEN_LIFETIME_SECONDS = 3600;

interface IssuedCode {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  nonce?: string;
  expiresAtMs: number;
}

export type SignInAnswer =
  | { kind: 'signIn'; tenantId: string }
  | { kind: 'error'; error: string; description: string };

export interface SignIn {
  authorize(request: SimRequest, answer: SignInAnswer | undefined): SimResponse;
  redeem(request: SimRequest): SimResponse;
  keys(): SimResponse;
  /** An ID token as Entra would sign it, for tests that tamper with one. */
  signIdToken(claims: Record<string, unknown>): string;
}

function entraError(status: number, error: string, code: number, description: string): SimResponse {
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  });
}

export function createSignIn(
  directory: Directory,
  workload: WorkloadIdentity,
  issuerBase: () => string,
): SignIn {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const codes = new Map<string, IssuedCode>();
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const signIdToken = (claims: Record<string, unknown>) => {
    const input = `${encode({ typ: 'JWT', alg: 'RS256', kid })}.${encode(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };

  return {
    authorize(request, answer) {
      if (request.method !== 'GET') return graphError(405, 'BadRequest', 'Use GET.');
      const clientId = request.query.get('client_id');
      const redirectUri = request.query.get('redirect_uri');
      const scope = (request.query.get('scope') ?? '').split(' ');
      if (
        !clientId ||
        !redirectUri ||
        request.query.get('response_type') !== 'code' ||
        !scope.includes('openid')
      ) {
        return graphError(
          400,
          'invalid_request',
          'client_id, redirect_uri, response_type=code and scope=openid are required.',
        );
      }
      if (!answer) return graphError(400, 'invalid_request', 'No admin signed in (answerAdminConsent).');
      const back = new URL(redirectUri);
      const state = request.query.get('state');
      if (answer.kind === 'error') {
        back.searchParams.set('error', answer.error);
        back.searchParams.set('error_description', answer.description);
      } else {
        const tenant = directory.tenant(answer.tenantId);
        if (!tenant || tenant.clientId !== clientId || !tenant.consentGranted) {
          back.searchParams.set('error', 'invalid_client');
          back.searchParams.set(
            'error_description',
            `AADSTS700016: Application '${clientId}' was not found.`,
          );
        } else {
          const code = randomBytes(32).toString('base64url');
          const nonce = request.query.get('nonce');
          codes.set(code, {
            tenantId: tenant.id,
            clientId,
            redirectUri,
            ...(nonce ? { nonce } : {}),
            expiresAtMs: Date.now() + CODE_LIFETIME_MS,
          });
          back.searchParams.set('code', code);
        }
      }
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, headers: { Location: back.toString() } };
    },

    redeem(request) {
      const form = new URLSearchParams(request.bodyText);
      const code = form.get('code') ?? '';
      const issued = codes.get(code);
      // A code is good for one redemption, whatever that redemption's outcome.
      codes.delete(code);
      if (!issued || issued.expiresAtMs <= Date.now()) {
        return entraError(
          400,
          'invalid_grant',
          70008,
          'The provided authorization code or refresh token has expired or was already redeemed.',
        );
      }
      const tenant = directory.tenant(issued.tenantId);
      if (!tenant || form.get('client_id') !== issued.clientId) {
        return entraError(
          400,
          'invalid_grant',
          70002,
          'The client does not match the one the code was issued to.',
        );
      }
      const unauthenticated = workload.clientAuthRefusal(form, tenant);
      if (unauthenticated) return unauthenticated;
      if (form.get('redirect_uri') !== issued.redirectUri) {
        return entraError(
          400,
          'invalid_grant',
          50011,
          'The redirect URI does not match the one the code was issued for.',
        );
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const idToken = signIdToken({
        ver: '2.0',
        iss: `${issuerBase()}/${tenant.id}/v2.0`,
        aud: issued.clientId,
        tid: tenant.id,
        sub: randomBytes(16).toString('base64url'),
        oid: randomUUID(),
        preferred_username: `admin@${tenant.id.slice(0, 8)}.example`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + ID_TOKEN_LIFETIME_SECONDS,
        ...(issued.nonce ? { nonce: issued.nonce } : {}),
      });
      return json(200, {
        token_type: 'Bearer',
        scope: 'openid',
        expires_in: ID_TOKEN_LIFETIME_SECONDS,
        id_token: idToken,
      });
    },

    keys() {
      return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    },

    signIdToken,
  };
}
