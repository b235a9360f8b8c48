// The Graph app without a secret: the user-assigned managed identity is a
// federated identity credential of the multi-tenant app, so the app proves
// itself to Entra ID, in any customer tenant, with a token of that identity
// for `api://AzureADTokenExchange` as its client assertion
// (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity:
// "valid in both cases where the resource tenant is in the same tenant as the
// App Reg and the Managed identity or a different tenant"). The identity's
// token comes from ManagedIdentityCredential, never DefaultAzureCredential,
// whose chain could pick up a developer login or stray environment variables
// (https://learn.microsoft.com/javascript/api/@azure/identity/managedidentitycredential).
//
// A client secret, when one is configured as well, is the fallback for the
// answers a secret can get past: Entra finding no matching federated identity
// record (AADSTS70021, and AADSTS700211/700212/700213 for the issuer, audience
// or subject), refusing the assertion itself (AADSTS50013), or the managed
// identity giving no token. A tenant that refuses the app (consent gone) is
// refused whatever the credential, so those answers never fall back.

import { ManagedIdentityCredential } from '@azure/identity';
import {
  type ClientAssertion,
  FEDERATION_REFUSALS,
  MANAGED_IDENTITY_UNAVAILABLE,
  ManagedIdentityUnavailable,
  TenantAccessError,
  type TokenSource,
} from './tokenSource';

/** The scope a managed identity's token must have to serve as a federated client assertion. */
export const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';

/** The user-assigned identity's token for the token exchange, through the real ManagedIdentityCredential. */
export function managedIdentityAssertion(identityClientId: string): ClientAssertion {
  const credential = new ManagedIdentityCredential({ clientId: identityClientId });
  return async () => {
    try {
      return (await credential.getToken(TOKEN_EXCHANGE_SCOPE)).token;
    } catch (error) {
      throw new ManagedIdentityUnavailable({ cause: error });
    }
  };
}

/** Whether a token failure of the federated credential is one a secret can get past. */
export function secretCanFix(error: unknown): string | undefined {
  if (error instanceof TenantAccessError) {
    return FEDERATION_REFUSALS.includes(error.code) || error.code === MANAGED_IDENTITY_UNAVAILABLE
      ? error.code
      : undefined;
  }
  if (error instanceof ManagedIdentityUnavailable) return MANAGED_IDENTITY_UNAVAILABLE;
  return undefined;
}

export interface FallbackOptions {
  federated: TokenSource;
  /** Undefined: no secret configured, the federated credential's failures surface as they are. */
  secret: TokenSource | undefined;
  /** Called on the first fallback only, so the log says it once and not on every token. */
  onFirstFallback: (tenantId: string, reason: string) => void;
  now: () => number;
  /** After a fallback, how long the secret serves the tenant before the federated credential is tried again. */
  retryFederatedAfterMs?: number;
}

/**
 * The federated credential first, the secret when Entra answers that no
 * federated credential matches. A tenant served by the secret stays with it
 * for a while, so a missing credential does not cost a refused exchange per
 * Graph call; then the federated credential is tried again, and once it has
 * been registered the secret is no longer used.
 */
export function federatedWithFallback(options: FallbackOptions): TokenSource {
  const { federated, secret } = options;
  if (!secret) return federated;
  const retryAfterMs = options.retryFederatedAfterMs ?? 10 * 60_000;
  const onSecretUntil = new Map<string, number>();
  let warned = false;
  return async (tenantId) => {
    const until = onSecretUntil.get(tenantId);
    if (until !== undefined && until > options.now()) return secret(tenantId);
    try {
      const token = await federated(tenantId);
      onSecretUntil.delete(tenantId);
      return token;
    } catch (error) {
      const reason = secretCanFix(error);
      if (!reason) throw error;
      onSecretUntil.set(tenantId, options.now() + retryAfterMs);
      if (!warned) {
        warned = true;
        options.onFirstFallback(tenantId, reason);
      }
      return secret(tenantId);
    }
  };
}
