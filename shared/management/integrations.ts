import { randomBytes } from 'node:crypto';
import { type RuleSet, userTriggerIssues } from '../domain/rules/ruleSet';
import { addUser, type ProvisioningDeps, removeUser } from '../onboarding/userProvisioning';
import { checkPbxTarget } from '../pbx/pbxTarget';
import { generateSigningSecret } from '../pbx/signing';
import type { SecretStore } from '../secrets/secretStore';
import {
  ConcurrencyError,
  type IntegrationRecord,
  type PendingUser,
  type UserRecord,
} from '../storage/records';
import { syncMessageAt } from '../sync/syncRequest';
import type { CreateIntegration, RulesInput, UpdateIntegration } from './managementSchemas';
import { rulesFrom } from './ruleChoice';

export interface AdminDeps extends ProvisioningDeps {
  secrets: SecretStore;
  publicBaseUrl: string;
  allowInsecureLoopback: boolean;
}

export type AdminResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'notFound'; reason: string }
  | { kind: 'refused'; status: 400 | 409; reason: string };

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
  /** Send this to the customer's Microsoft 365 admin. */
  consentLink: string;
  followGroupId?: string;
  pbxUrl: string;
  rulesVersion: number;
  ruleSet: RuleSet;
  pendingUsers: PendingUser[];
  createdAt: string;
  updatedAt: string;
}

export function integrationView(record: IntegrationRecord, publicBaseUrl: string): IntegrationView {
  const base = publicBaseUrl.replace(/\/+$/, '');
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
    consentLink: `${base}/api/consent/${encodeURIComponent(record.id)}`,
    ...(record.followGroupId ? { followGroupId: record.followGroupId } : {}),
    pbxUrl: record.pbxUrl,
    rulesVersion: record.rulesVersion,
    ruleSet: record.ruleSet,
    pendingUsers: record.pendingUsers ?? [],
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * Creates an integration with a fresh PBX signing secret. The secret goes to
 * the secret store under a name of its own (a deleted integration's name may
 * still be held by Key Vault's soft delete) and is returned this once.
 */
export async function createIntegration(
  input: CreateIntegration,
  deps: AdminDeps,
): Promise<AdminResult<{ integration: IntegrationView; pbxSecret: string }>> {
  const target = checkPbxTarget(input.pbxUrl, deps.allowInsecureLoopback);
  if (target.kind === 'refused') return { kind: 'refused', status: 400, reason: target.reason };
  if (await deps.repos.integrations.get(input.id)) {
    return { kind: 'refused', status: 409, reason: `integration ${input.id} exists already` };
  }
  const pbxSecret = generateSigningSecret();
  const pbxSecretName = `pbx-${input.id}-${randomBytes(4).toString('hex')}`;
  await deps.secrets.set(pbxSecretName, pbxSecret);
  const now = deps.now().toISOString();
  const addresses = [...new Set((input.users ?? []).map((address) => address.toLowerCase()))];
  const record: IntegrationRecord = {
    id: input.id,
    name: input.name,
    active: input.active,
    ...(input.tenantId ? { tenantId: input.tenantId.toLowerCase() } : {}),
    consentState: 'pending',
    consentMode: input.consentMode,
    ...(addresses.length > 0 ? { pendingUsers: addresses.map((address) => ({ address })) } : {}),
    ...(input.followGroupId ? { followGroupId: input.followGroupId.toLowerCase() } : {}),
    pbxUrl: input.pbxUrl,
    pbxSecretName,
    ruleSet: rulesFrom(input.rules),
    rulesVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.repos.integrations.create(record);
  } catch (error) {
    await deps.secrets.delete(pbxSecretName).catch(() => undefined);
    if (error instanceof ConcurrencyError) {
      return { kind: 'refused', status: 409, reason: `integration ${input.id} exists already` };
    }
    throw error;
  }
  deps.log.info('integration created', { integrationId: record.id });
  return { kind: 'ok', value: { integration: integrationView(record, deps.publicBaseUrl), pbxSecret } };
}

export async function updateIntegration(
  id: string,
  change: UpdateIntegration,
  deps: AdminDeps,
): Promise<AdminResult<IntegrationView>> {
  if (change.pbxUrl !== undefined) {
    const target = checkPbxTarget(change.pbxUrl, deps.allowInsecureLoopback);
    if (target.kind === 'refused') return { kind: 'refused', status: 400, reason: target.reason };
  }
  const { followGroupId, ...fields } = change;
  return changeIntegration(id, deps, (stored) => {
    const { followGroupId: following, ...rest } = stored;
    const group = followGroupId === undefined ? following : (followGroupId ?? undefined)?.toLowerCase();
    const current: IntegrationRecord = { ...rest, ...(group ? { followGroupId: group } : {}) };
    const modeChanged =
      change.consentMode !== undefined && change.consentMode !== (current.consentMode ?? 'tenantWide');
    // Another mode is another app: what the admin consented to no longer applies.
    return modeChanged
      ? {
          ...current,
          ...fields,
          consentState: 'pending',
          consentError: 'the consent mode changed; the admin must consent again with the link',
        }
      : { ...current, ...fields };
  });
}

/**
 * New rules: the version grows, so every user's next sync is a fresh round
 * under the new rules, and the diff sends the PBX exactly what changed.
 */
export async function replaceRules(
  id: string,
  input: RulesInput,
  deps: AdminDeps,
): Promise<AdminResult<IntegrationView>> {
  const ruleSet = rulesFrom(input);
  const result = await changeIntegration(id, deps, (current) => ({
    ...current,
    ruleSet,
    rulesVersion: current.rulesVersion + 1,
  }));
  if (result.kind === 'ok') await queueResync(id, 'rulesChanged', deps);
  return result;
}

async function changeIntegration(
  id: string,
  deps: AdminDeps,
  change: (current: IntegrationRecord) => IntegrationRecord,
): Promise<AdminResult<IntegrationView>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await deps.repos.integrations.get(id);
    if (!stored) return { kind: 'notFound', reason: `no integration ${id}` };
    const next = { ...change(stored.value), id, updatedAt: deps.now().toISOString() };
    try {
      await deps.repos.integrations.update(next, stored.etag);
      return { kind: 'ok', value: integrationView(next, deps.publicBaseUrl) };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  return { kind: 'refused', status: 409, reason: 'the integration kept changing; try again' };
}

/** Everything goes: users (with their Graph subscriptions), absences, the PBX secret, the row. */
export async function deleteIntegration(id: string, deps: AdminDeps): Promise<AdminResult<null>> {
  const stored = await deps.repos.integrations.get(id);
  if (!stored) return { kind: 'notFound', reason: `no integration ${id}` };
  for (const user of await deps.repos.users.listByIntegration(id)) {
    // The PBX configuration goes with the integration; no absence.deleted flood.
    await removeUser(id, user.id, deps, { notifyPbx: false });
  }
  await deps.secrets.delete(stored.value.pbxSecretName).catch(() => undefined);
  await deps.repos.integrations.delete(id);
  deps.log.info('integration deleted', { integrationId: id });
  return { kind: 'ok', value: null };
}

export async function queueResync(
  integrationId: string,
  cause: 'resync' | 'rulesChanged',
  deps: Pick<AdminDeps, 'repos' | 'queue' | 'now'>,
): Promise<number> {
  const now = deps.now();
  const users = await deps.repos.users.listByIntegration(integrationId);
  if (users.length > 0) {
    await deps.queue.send(
      'sync',
      users.map((user) => syncMessageAt({ integrationId, userId: user.id, cause }, now, now)),
    );
  }
  return users.length;
}

export type UserRequestResult =
  | { kind: 'added'; user: UserView }
  | { kind: 'pending'; address: string }
  | { kind: 'notFound'; reason: string }
  | { kind: 'refused'; status: 400 | 404 | 409; reason: string };

/** Adds a mailbox now, or keeps the address until the admin has consented. */
export async function requestUser(
  integrationId: string,
  address: string,
  deps: AdminDeps,
): Promise<UserRequestResult> {
  const stored = await deps.repos.integrations.get(integrationId);
  if (!stored) return { kind: 'notFound', reason: `no integration ${integrationId}` };
  if (stored.value.followGroupId) {
    return {
      kind: 'refused',
      status: 409,
      reason: 'this integration follows a security group; add the person to the group instead',
    };
  }
  if (stored.value.consentState !== 'granted') {
    const wanted = address.toLowerCase();
    const pending = stored.value.pendingUsers ?? [];
    if (!pending.some((p) => p.address === wanted)) {
      if (pending.length >= 500)
        return { kind: 'refused', status: 409, reason: 'too many pending addresses' };
      await deps.repos.integrations.update(
        {
          ...stored.value,
          pendingUsers: [...pending, { address: wanted }],
          updatedAt: deps.now().toISOString(),
        },
        stored.etag,
      );
    }
    return { kind: 'pending', address: wanted };
  }
  const result = await addUser(integrationId, address, deps);
  if (result.kind === 'refused') return result;
  return { kind: 'added', user: userView(result.user) };
}

export interface UserView {
  id?: string;
  email: string;
  displayName?: string;
  status: 'ok' | 'neverSynced' | 'error' | 'pendingConsent' | 'refused';
  /** Why the last sync failed, or why a pending address was refused. */
  problem?: string;
  lastSyncAt?: string;
  timeZone?: string;
  /** The user's own trigger phrases, when there are any (the console edits them). */
  triggers?: RuleSet['triggers'];
}

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    status: user.status,
    ...(user.status === 'error' && user.lastError ? { problem: user.lastError } : {}),
    ...(user.lastSyncAt ? { lastSyncAt: user.lastSyncAt } : {}),
    timeZone: user.timeZone,
    ...(user.triggers && user.triggers.length > 0 ? { triggers: user.triggers } : {}),
  };
}

export async function listUsers(integrationId: string, deps: AdminDeps): Promise<AdminResult<UserView[]>> {
  const stored = await deps.repos.integrations.get(integrationId);
  if (!stored) return { kind: 'notFound', reason: `no integration ${integrationId}` };
  const users = (await deps.repos.users.listByIntegration(integrationId)).map(userView);
  const pending = (stored.value.pendingUsers ?? []).map(
    (p): UserView => ({
      email: p.address,
      status: p.problem ? 'refused' : 'pendingConsent',
      ...(p.problem ? { problem: p.problem } : {}),
    }),
  );
  return { kind: 'ok', value: [...users, ...pending] };
}

export async function deleteUser(
  integrationId: string,
  userId: string,
  deps: AdminDeps,
): Promise<AdminResult<null>> {
  if (!(await deps.repos.integrations.get(integrationId))) {
    return { kind: 'notFound', reason: `no integration ${integrationId}` };
  }
  const removed = await removeUser(integrationId, userId, deps);
  if (removed) return { kind: 'ok', value: null };
  // A pending address can be withdrawn by the address itself.
  const stored = await deps.repos.integrations.get(integrationId);
  const pending = stored?.value.pendingUsers ?? [];
  const rest = pending.filter((p) => p.address !== userId.toLowerCase());
  if (stored && rest.length < pending.length) {
    const { pendingUsers: _, ...record } = stored.value;
    await deps.repos.integrations.update(
      rest.length > 0 ? { ...record, pendingUsers: rest } : record,
      stored.etag,
    );
    return { kind: 'ok', value: null };
  }
  return { kind: 'notFound', reason: `no user ${userId} in integration ${integrationId}` };
}

export async function resyncUser(
  integrationId: string,
  userId: string,
  deps: AdminDeps,
): Promise<AdminResult<null>> {
  if (!(await deps.repos.users.get(integrationId, userId))) {
    return { kind: 'notFound', reason: `no user ${userId} in integration ${integrationId}` };
  }
  const now = deps.now();
  await deps.queue.send('sync', [syncMessageAt({ integrationId, userId, cause: 'resync' }, now, now)]);
  return { kind: 'ok', value: null };
}

/**
 * Replaces a user's own trigger phrases. They must name reasons the
 * integration's catalogue has; the user's next sync starts a fresh round so
 * every entry is judged again with the new phrases.
 */
export async function setUserTriggers(
  integrationId: string,
  userId: string,
  triggers: RuleSet['triggers'],
  deps: AdminDeps,
): Promise<AdminResult<UserRecord>> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return { kind: 'notFound', reason: `no integration ${integrationId}` };
  const stored = await deps.repos.users.get(integrationId, userId);
  if (!stored) return { kind: 'notFound', reason: `no user ${userId} in integration ${integrationId}` };
  const issues = userTriggerIssues(triggers, integration.ruleSet);
  if (issues.length > 0) return { kind: 'refused', status: 400, reason: issues.join('; ') };
  const { rulesVersion: _stale, ...rest } = stored.value;
  const updated: UserRecord = { ...rest, triggers };
  await deps.repos.users.update(updated, stored.etag);
  const now = deps.now();
  await deps.queue.send('sync', [syncMessageAt({ integrationId, userId, cause: 'rulesChanged' }, now, now)]);
  return { kind: 'ok', value: updated };
}
