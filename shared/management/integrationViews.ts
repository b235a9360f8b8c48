// What the management API shows of integrations: never the PBX secret nor
// the Exchange service account's password, nor where they are kept.
import type { RuleSet } from '../domain/rules/ruleSet';
import {
  type CalendarSystem,
  calendarSystemOf,
  credentialsRejected,
} from '../exchange/exchangeServerIntegration';
import { type Outcome, ok } from '../outcome';
import type {
  ExchangeServerSettings,
  IntegrationEnding,
  IntegrationRecord,
  PendingUser,
} from '../storage/records';
import type { AdminDeps } from './integrations';
import { noIntegration } from './refusals';

/** What the management API shows of an integration: never the PBX secret, nor where it is kept. */
export interface IntegrationView {
  id: string;
  name: string;
  /** microsoft365: read over Graph after the admin's consent; exchangeServer: over EWS with a service account. */
  kind: CalendarSystem;
  active: boolean;
  /** Exchange Server integrations only. */
  exchangeServer?: ExchangeServerView;
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

/** An Exchange Server integration's connection as the operator sees it: everything but the password. */
export interface ExchangeServerView extends Omit<ExchangeServerSettings, 'passwordSecretName'> {
  /** rejected: Exchange refused the password and the sync stopped calling it until a new one is saved. */
  credentials: 'accepted' | 'rejected';
  /** Since when Exchange accepts (the last save that passed) or refuses the account. */
  credentialsSince: string;
}

export function exchangeServerView(record: IntegrationRecord): ExchangeServerView | undefined {
  if (!record.exchangeServer) return undefined;
  const { passwordSecretName: _where, ...settings } = record.exchangeServer;
  const rejected = credentialsRejected(record);
  return {
    ...settings,
    credentials: rejected ? 'rejected' : 'accepted',
    credentialsSince: rejected
      ? (record.consentRequiredSince ?? record.updatedAt)
      : (record.consentedAt ?? settings.passwordSetAt),
  };
}

// The base URL is no longer needed (consent links are minted, not derived); callers still pass it.
export function integrationView(record: IntegrationRecord, _publicBaseUrl: string): IntegrationView {
  const exchange = exchangeServerView(record);
  return {
    id: record.id,
    name: record.name,
    kind: calendarSystemOf(record),
    active: record.active,
    ...(exchange ? { exchangeServer: exchange } : {}),
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
