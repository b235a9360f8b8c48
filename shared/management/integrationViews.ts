// What the management API shows of integrations: never the PBX secret, nor
// where it is kept.
import type { RuleSet } from '../domain/rules/ruleSet';
import { type Outcome, ok } from '../outcome';
import type { IntegrationEnding, IntegrationRecord, PendingUser } from '../storage/records';
import type { AdminDeps } from './integrations';
import { noIntegration } from './refusals';

/** What the management API shows of an integration: never the PBX secret, nor where it is kept. */
export interface IntegrationView {
  id: string;
  name: string;
  active: boolean;
  tenantId?: string;
  consentState: IntegrationRecord['consentState'];
  consentMode: NonNullable<IntegrationRecord['consentMode']>;
  consentedAt?: string;
  consentError?: string;
  consentRequiredSince?: string;
  /** In `permissionsMissing`: what the admin has to grant again, as Entra names it. */
  missingPermissions?: string[];
  followGroupId?: string;
  pbxUrl: string;
  /** Set for this integration; absent: the service's PBX_MAX_CONCURRENT_REQUESTS. */
  pbxMaxConcurrentRequests?: number;
  rulesVersion: number;
  ruleSet: RuleSet;
  pendingUsers: PendingUser[];
  /** While the PBX is told that the integration is being deleted or deactivated (integrationEnding.ts). */
  ending?: IntegrationEnding;
  createdAt: string;
  updatedAt: string;
}

// The base URL is no longer needed (consent links are minted, not derived); callers still pass it.
export function integrationView(record: IntegrationRecord, _publicBaseUrl: string): IntegrationView {
  return {
    id: record.id,
    name: record.name,
    active: record.active,
    ...(record.tenantId ? { tenantId: record.tenantId } : {}),
    consentState: record.consentState,
    consentMode: record.consentMode ?? 'tenantWide',
    ...(record.consentedAt ? { consentedAt: record.consentedAt } : {}),
    ...(record.consentError ? { consentError: record.consentError } : {}),
    ...(record.consentRequiredSince ? { consentRequiredSince: record.consentRequiredSince } : {}),
    ...(record.missingPermissions?.length ? { missingPermissions: record.missingPermissions } : {}),
    ...(record.followGroupId ? { followGroupId: record.followGroupId } : {}),
    pbxUrl: record.pbxUrl,
    ...(record.pbxMaxConcurrentRequests ? { pbxMaxConcurrentRequests: record.pbxMaxConcurrentRequests } : {}),
    rulesVersion: record.rulesVersion,
    ruleSet: record.ruleSet,
    pendingUsers: record.pendingUsers ?? [],
    ...(record.ending ? { ending: record.ending } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
export async function listIntegrations(
  deps: Pick<AdminDeps, 'repos' | 'publicBaseUrl'>,
): Promise<IntegrationView[]> {
  const all = await deps.repos.integrations.list();
  return all.map((record) => integrationView(record, deps.publicBaseUrl));
}

export async function readIntegration(
  id: string,
  deps: Pick<AdminDeps, 'repos' | 'publicBaseUrl'>,
): Promise<Outcome<IntegrationView>> {
  const stored = await deps.repos.integrations.get(id);
  return stored ? ok(integrationView(stored.value, deps.publicBaseUrl)) : noIntegration(id);
}
