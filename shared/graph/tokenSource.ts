import { ClientSecretCredential } from '@azure/identity';
import { z } from 'zod';

/** Gives a Graph access token for one customer tenant (application permissions, client credentials). */
export type TokenSource = (tenantId: string) => Promise<string>;

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Raised when Entra refuses the app for a tenant: consent missing or revoked, service principal gone. */
export class TenantAccessError extends Error {
  constructor(
    readonly tenantId: string,
    readonly code: string,
  ) {
    super(`Entra ID refused a token for tenant ${tenantId} (${code})`);
    this.name = 'TenantAccessError';
  }
}

/**
 * Azure: @azure/identity's credential per tenant (it caches and refreshes
 * tokens itself). MSAL insists on an https authority, which is why the local
 * host uses `httpTokenSource` against the simulator instead.
 */
export function identityTokenSource(options: {
  clientId: string;
  clientSecret: string;
  authorityHost: string;
}): TokenSource {
  const credentials = new Map<string, ClientSecretCredential>();
  return async (tenantId) => {
    let credential = credentials.get(tenantId);
    if (!credential) {
      credential = new ClientSecretCredential(tenantId, options.clientId, options.clientSecret, {
        authorityHost: options.authorityHost,
      });
      credentials.set(tenantId, credential);
    }
    try {
      const token = await credential.getToken(GRAPH_SCOPE);
      return token.token;
    } catch (error) {
      throw asTenantAccessError(tenantId, error) ?? error;
    }
  };
}

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const tokenError = z.object({ error: z.string(), error_description: z.string().optional() });

/** The client-credentials grant spoken directly over HTTP(S); used against the Graph simulator. */
export function httpTokenSource(options: {
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  now?: () => number;
}): TokenSource {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return async (tenantId) => {
    const cached = cache.get(tenantId);
    if (cached && cached.expiresAt > now()) return cached.token;
    const response = await fetch(
      new URL(`${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, withSlash(options.authorityHost)),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: options.clientId,
          client_secret: options.clientSecret,
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

function asTenantAccessError(tenantId: string, error: unknown): TenantAccessError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = NO_ACCESS_CODES.find((c) => message.includes(c));
  return code ? new TenantAccessError(tenantId, code) : undefined;
}
