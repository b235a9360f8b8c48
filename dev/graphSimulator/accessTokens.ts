// The client-credentials token endpoint (`/{tenant}/oauth2/v2.0/token`) and
// the bearer check every Graph route does. The app authenticates with its
// secret or with a managed identity's token as a federated client assertion
// (workloadIdentity.ts).
//
// Consent: revoking it is modelled as the tenant removing the app's service
// principal, which is what removing the enterprise app does. Entra then
// refuses new tokens with `invalid_client` / AADSTS7000229, while tokens
// already issued keep working until they expire, because Graph validates the
// signed token itself and does not call back to Entra.
//
// Tokens are JWT-shaped, as Entra's are, and carry the tenant's granted
// application permissions in `roles` as they stood when the token was issued
// (left out when none are granted): removing permissions while keeping the
// app still yields tokens, only without roles
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
// The signature is random: clients must not validate Graph's tokens anyway.
//
// Token lifetimes run on real time, not the simulator clock: token caches in
// clients (MSAL, our own) count in real time, and a clock moved days ahead
// must not leave them holding tokens the simulator calls expired.

import { randomBytes } from 'node:crypto';
import type { Directory } from './directory';
import { entraError, json, type SimRequest, type SimResponse } from './exchange';
import type { WorkloadIdentity } from './workloadIdentity';

const TOKEN_LIFETIME_SECONDS = 3599;

interface IssuedToken {
  tenantId: string;
  roles: ReadonlySet<string>;
  expiresAtMs: number;
}

export type BearerCheck =
  | { ok: true; tenantId: string; roles: ReadonlySet<string> }
  | { ok: false; response: SimResponse };

export interface AccessTokens {
  handleTokenRequest(tenantId: string, request: SimRequest): SimResponse;
  verifyBearer(request: SimRequest): BearerCheck;
}

function graphAuthError(message: string): BearerCheck {
  return {
    ok: false,
    response: json(
      401,
      { error: { code: 'InvalidAuthenticationToken', message } },
      {
        'WWW-Authenticate':
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
      },
    ),
  };
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}

export function createAccessTokens(directory: Directory, workload: WorkloadIdentity): AccessTokens {
  const issued = new Map<string, IssuedToken>();

  return {
    handleTokenRequest(tenantId, request) {
      const form = new URLSearchParams(request.bodyText);
      const tenant = directory.tenant(tenantId);
      if (!tenant) {
        return entraError(400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
      }
      if (form.get('grant_type') !== 'client_credentials') {
        return entraError(
          400,
          'unsupported_grant_type',
          70003,
          'The app requested an unsupported grant type.',
        );
      }
      if (form.get('client_id') !== tenant.clientId) {
        return entraError(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${tenantId}'.`,
        );
      }
      if (!tenant.consentGranted) {
        return entraError(
          400,
          'invalid_client',
          7000229,
          `The client application ${tenant.clientId} is missing service principal in the tenant ${tenantId}.`,
        );
      }
      const unauthenticated = workload.clientAuthRefusal(form, tenant);
      if (unauthenticated) return unauthenticated;
      const scope = form.get('scope') ?? '';
      if (!scope.endsWith('/.default')) {
        return entraError(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid.`,
        );
      }
      const roles = [...tenant.applicationPermissions].sort();
      const nowSeconds = Math.floor(Date.now() / 1000);
      const accessToken = unsignedJwt({
        aud: 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + TOKEN_LIFETIME_SECONDS,
        appid: tenant.clientId,
        idtyp: 'app',
        tid: tenantId,
        ...(roles.length > 0 ? { roles } : {}),
        ver: '1.0',
      });
      issued.set(accessToken, {
        tenantId,
        roles: new Set(roles),
        expiresAtMs: Date.now() + TOKEN_LIFETIME_SECONDS * 1000,
      });
      return json(200, {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        ext_expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: accessToken,
      });
    },

    verifyBearer(request) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) return graphAuthError('Access token is empty.');
      const token = issued.get(match[1]);
      if (!token) return graphAuthError('IDX14100: JWT is not well formed.');
      if (token.expiresAtMs <= Date.now()) {
        issued.delete(match[1]);
        return graphAuthError('Lifetime validation failed, the token is expired.');
      }
      return { ok: true, tenantId: token.tenantId, roles: token.roles };
    },
  };
}
