// Workload identity federation as Entra ID and App Service do it: user-assigned
// managed identities with the App Service token endpoint, the federated
// identity credentials registered on an app, and the check Entra makes when an
// app presents a managed identity's token instead of a secret.
//
// The managed-identity endpoint speaks the App Service protocol that
// @azure/identity's ManagedIdentityCredential (MSAL's "AppService" source)
// uses when IDENTITY_ENDPOINT and IDENTITY_HEADER are set: GET with
// `api-version=2019-08-01`, `resource` and `client_id`, the header
// `X-IDENTITY-HEADER`, and an answer with `access_token` and `expires_on` in
// epoch seconds
// (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference).
//
// A federated identity credential is issuer + subject + audiences on the app;
// for a managed identity the issuer is `https://login.microsoftonline.com/{tenant}/v2.0`,
// the subject the identity's object (principal) id and the audience
// `api://AzureADTokenExchange`, and Entra compares them with the `iss`, `sub`
// and `aud` of the identity's token
// (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
// A mismatch is refused with AADSTS70021 (no federated credential at all),
// AADSTS700211 (issuer), AADSTS700213 (subject) or AADSTS700212 (audience), as
// Entra words them; a token that is not signed by the identity platform or has
// expired with AADSTS50013.

import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { SimTenant } from './directory';
import { entraError, json, type SimRequest, type SimResponse } from './exchange';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const IDENTITY_TOKEN_LIFETIME_SECONDS = 24 * 3600;

export interface SimManagedIdentity {
  clientId: string;
  /** Object (principal) id: the `sub` of its tokens and the subject of a federated credential. */
  objectId: string;
  /** The tenant the identity lives in: its tokens' issuer. */
  tenantId: string;
}

export interface SimFederatedCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: readonly string[];
}

export interface WorkloadIdentity {
  /** The value App Service puts in IDENTITY_HEADER; a request without it is refused. */
  identityHeader: string;
  addManagedIdentity(identity: SimManagedIdentity): void;
  /** Adds a federated identity credential to the app with this client id (the app is global, as in Entra). */
  addFederatedCredential(appClientId: string, credential: SimFederatedCredential): void;
  removeFederatedCredentials(appClientId: string): void;
  /** GET on the managed-identity endpoint. */
  handleIdentityRequest(request: SimRequest): SimResponse;
  /** Tokens the managed-identity endpoint issued so far. */
  identityTokensIssued(): number;
  /** How a token request authenticates the app: a secret or a federated assertion; undefined when it passes. */
  clientAuthRefusal(form: URLSearchParams, tenant: SimTenant): SimResponse | undefined;
}

export function issuerFor(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export function createWorkloadIdentity(): WorkloadIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const identityHeader = randomBytes(16).toString('hex');
  const identities = new Map<string, SimManagedIdentity>();
  const credentials = new Map<string, SimFederatedCredential[]>();
  let issued = 0;
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const signJwt = (claims: Record<string, unknown>) => {
    const input = `${encode({ typ: 'JWT', alg: 'RS256' })}.${encode(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };

  /** The claims of a token this simulator signed, or undefined (wrong signature, malformed). */
  const verifiedClaims = (token: string): Record<string, unknown> | undefined => {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const good = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!good) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  const assertionRefusal = (appClientId: string, assertion: string): SimResponse | undefined => {
    const claims = verifiedClaims(assertion);
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (!claims || typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return entraError(
        400,
        'invalid_client',
        50013,
        'Assertion failed signature validation or is not within its valid time range.',
      );
    }
    const { iss, sub, aud } = claims;
    const registered = credentials.get(appClientId) ?? [];
    const shown = `Assertion Issuer: '${String(iss)}'. Assertion Subject: '${String(sub)}'. Assertion Audience: '${String(aud)}'.`;
    if (registered.length === 0) {
      return entraError(
        400,
        'invalid_request',
        70021,
        `No matching federated identity record found for presented assertion. ${shown}`,
      );
    }
    const sameIssuer = registered.filter((c) => c.issuer === iss);
    if (sameIssuer.length === 0) {
      return entraError(
        400,
        'invalid_request',
        700211,
        `No matching federated identity record found for presented assertion issuer '${String(iss)}'.`,
      );
    }
    const sameSubject = sameIssuer.filter((c) => c.subject === sub);
    if (sameSubject.length === 0) {
      return entraError(
        400,
        'invalid_request',
        700213,
        `No matching federated identity record found for presented assertion subject '${String(sub)}'.`,
      );
    }
    if (!sameSubject.some((c) => c.audiences.includes(String(aud)))) {
      return entraError(
        400,
        'invalid_request',
        700212,
        `No matching federated identity record found for presented assertion audience '${String(aud)}'.`,
      );
    }
    return undefined;
  };

  return {
    identityHeader,
    addManagedIdentity(identity) {
      identities.set(identity.clientId, identity);
    },
    addFederatedCredential(appClientId, credential) {
      credentials.set(appClientId, [...(credentials.get(appClientId) ?? []), credential]);
    },
    removeFederatedCredentials(appClientId) {
      credentials.delete(appClientId);
    },
    identityTokensIssued: () => issued,

    handleIdentityRequest(request) {
      const refuse = (status: number, message: string) => json(status, { statusCode: status, message });
      if (request.method !== 'GET') return refuse(405, 'Use GET.');
      if (request.headers['x-identity-header'] !== identityHeader) {
        return refuse(401, 'The X-IDENTITY-HEADER header is missing or wrong.');
      }
      if (request.query.get('api-version') !== '2019-08-01') return refuse(400, 'Unsupported api-version.');
      const resource = request.query.get('resource');
      if (!resource) return refuse(400, 'The resource parameter is required.');
      const identity = identities.get(request.query.get('client_id') ?? '');
      if (!identity) {
        return refuse(400, 'No User Assigned or Delegated Managed Identity found for specified ClientId.');
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const expiresOn = nowSeconds + IDENTITY_TOKEN_LIFETIME_SECONDS;
      issued++;
      return json(200, {
        access_token: signJwt({
          aud: resource.replace(/\/\.default$/, ''),
          iss: issuerFor(identity.tenantId),
          sub: identity.objectId,
          oid: identity.objectId,
          azp: identity.clientId,
          tid: identity.tenantId,
          idtyp: 'app',
          iat: nowSeconds,
          nbf: nowSeconds,
          exp: expiresOn,
          ver: '2.0',
        }),
        expires_on: String(expiresOn),
        resource,
        token_type: 'Bearer',
        client_id: identity.clientId,
      });
    },

    clientAuthRefusal(form, tenant) {
      const assertionType = form.get('client_assertion_type');
      const assertion = form.get('client_assertion');
      if (assertionType !== null || assertion !== null) {
        if (assertionType !== JWT_BEARER || !assertion) {
          return entraError(
            400,
            'invalid_request',
            50027,
            `Invalid JWT token: client_assertion_type must be ${JWT_BEARER} with a client_assertion.`,
          );
        }
        return assertionRefusal(tenant.clientId, assertion);
      }
      const secret = form.get('client_secret');
      if (secret === null || secret === '') {
        return entraError(
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      }
      if (secret !== tenant.clientSecret) {
        return entraError(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      }
      return undefined;
    },
  };
}
