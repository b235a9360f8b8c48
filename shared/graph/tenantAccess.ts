// Recognises "this tenant no longer lets the app in" (consent revoked,
// service principal deleted or disabled). The Graph SDK wraps an error thrown
// by our token step into a GraphError named after it, so both shapes count.
// A 403 on one mailbox is not this: that is a mailbox the app may not read.

import { GraphError } from '@microsoft/microsoft-graph-client';
import { isOwnCredentialCode, TenantAccessError } from './tokenSource';

export function tenantRefusal(error: unknown): { code: string } | undefined {
  const code =
    error instanceof TenantAccessError
      ? error.code
      : error instanceof GraphError && error.code === 'TenantAccessError'
        ? /\((\w+)\)$/.exec(error.message)?.[1]
        : undefined;
  return code && TENANT_REFUSALS.has(code) ? { code } : undefined;
}

/**
 * Entra ID refusing the app's own credential (no federated identity
 * credential matches, the managed identity gives no token, a wrong secret):
 * our configuration, the same for every tenant, for the operator to fix.
 */
export function ownCredentialRefusal(error: unknown): { code: string } | undefined {
  const code =
    error instanceof TenantAccessError
      ? error.code
      : error instanceof GraphError && error.code === 'TenantAccessError'
        ? /\((\w+)\)/.exec(error.message)?.[1]
        : undefined;
  return code && isOwnCredentialCode(code) ? { code } : undefined;
}

/**
 * Entra ID's answers that are about the customer's tenant. A wrong or expired
 * client secret (AADSTS7000215, AADSTS7000222) is our own configuration and
 * must not make every customer consent again, so it is not listed.
 */
const TENANT_REFUSALS = new Set([
  'AADSTS7000229', // no service principal: the enterprise app was deleted
  'AADSTS7000112', // the application is disabled in the tenant
  'AADSTS65001', // no consent
  'AADSTS700016', // the application is not found in the directory
  'AADSTS90002', // tenant not found
  'AADSTS50020',
]);
