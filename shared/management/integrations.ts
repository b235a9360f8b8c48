import { randomBytes } from 'node:crypto';
import { type RuleSet, userTriggerIssues } from '../domain/rules/ruleSet';
import { addUser, type ProvisioningDeps, removeUser } from '../onboarding/userProvisioning';
import { conflict, invalid, notFound, type Outcome, ok, type Refusal } from '../outcome';
import { checkPbxTarget, type TargetPolicy } from '../pbx/pbxTarget';
import { generateSigningSecret } from '../pbx/signing';
import type { SecretStore } from '../secrets/secretStore';
import { integrationRow, optimisticUpdate, userRow } from '../storage/optimisticUpdate';
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
  /** The same policy the delivery uses, so a URL that can be saved can be sent to. */
  pbxTarget: TargetPolicy;
}

/**
 * The older shape, with HTTP statuses in it: only explainForIntegration still
 * answers with it (it is moving to a file of its own and can take Outcome
 * along); every other service here answers with an Outcome.
 */
/** Written by others in every round: the caller may simply try again. */
const keptChanging = (what: string): Refusal => conflict(`the ${what} kept changing; try again`);
const noIntegration = (id: string): Refusal => notFound(`no integration ${id}`);
const noUser = (integrationId: string, userId: string): Refusal =>
  notFound(`no user ${userId} in integration ${integrationId}`);

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
): Promise<Outcome<{ integration: IntegrationView; pbxSecret: string }>> {
  const target = checkPbxTarget(input.pbxUrl, deps.pbxTarget);
  if (target.kind === 'refused') return invalid(target.reason);
  if (await deps.repos.integrations.get(input.id)) return conflict(`integration ${input.id} exists already`);
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
    if (error instanceof ConcurrencyError) return conflict(`integration ${input.id} exists already`);
    throw error;
  }
  deps.log.info('integration created', { integrationId: record.id });
  return ok({ integration: integrationView(record, deps.publicBaseUrl), pbxSecret });
}

export async function updateIntegration(
  id: string,
  change: UpdateIntegration,
  deps: AdminDeps,
): Promise<Outcome<IntegrationView>> {
  if (change.pbxUrl !== undefined) {
    const target = checkPbxTarget(change.pbxUrl, deps.pbxTarget);
    if (target.kind === 'refused') return invalid(target.reason);
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
): Promise<Outcome<IntegrationView>> {
  const ruleSet = rulesFrom(input);
  const result = await changeIntegration(id, deps, (current) => ({
    ...current,
    ruleSet,
    rulesVersion: current.rulesVersion + 1,
  }));
  if (result.kind === 'ok') await queueResync(id, 'rulesChanged', deps);
  return result;
}

/** `change` may run more than once (on fresh reads), so it must be pure. */
async function changeIntegration(
  id: string,
  deps: AdminDeps,
  change: (current: IntegrationRecord) => IntegrationRecord,
): Promise<Outcome<IntegrationView>> {
  const updatedAt = deps.now().toISOString();
  const outcome = await optimisticUpdate(integrationRow(deps.repos.integrations, id), (current) => ({
    ...change(current),
    id,
    updatedAt,
  }));
  if (outcome.kind === 'notFound') return noIntegration(id);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  return ok(integrationView(outcome.value, deps.publicBaseUrl));
}

/** Everything goes: users (with their Graph subscriptions), absences, the PBX secret, the row. */
export async function deleteIntegration(id: string, deps: AdminDeps): Promise<Outcome<null>> {
  const stored = await deps.repos.integrations.get(id);
  if (!stored) return noIntegration(id);
  for (const user of await deps.repos.users.listByIntegration(id)) {
    // The PBX configuration goes with the integration; no absence.deleted flood.
    await removeUser(id, user.id, deps, { notifyPbx: false });
  }
  await deps.secrets.delete(stored.value.pbxSecretName).catch(() => undefined);
  await deps.repos.integrations.delete(id);
  deps.log.info('integration deleted', { integrationId: id });
  return ok(null);
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
  | Refusal;

/** A pending list this long is a script gone wrong, not an operator. */
const MAX_PENDING_USERS = 500;

/** What asking for `address` means for the integration as stored; pure, so it can judge every fresh read. */
function pendingStep(
  integration: IntegrationRecord,
  address: string,
): 'followsGroup' | 'consented' | 'alreadyPending' | 'full' | 'add' {
  if (integration.followGroupId) return 'followsGroup';
  if (integration.consentState === 'granted') return 'consented';
  const pending = integration.pendingUsers ?? [];
  if (pending.some((p) => p.address === address)) return 'alreadyPending';
  return pending.length >= MAX_PENDING_USERS ? 'full' : 'add';
}

/** Adds a mailbox now, or keeps the address until the admin has consented. */
export async function requestUser(
  integrationId: string,
  address: string,
  deps: AdminDeps,
): Promise<UserRequestResult> {
  const wanted = address.toLowerCase();
  const updatedAt = deps.now().toISOString();
  const outcome = await optimisticUpdate(integrationRow(deps.repos.integrations, integrationId), (current) =>
    pendingStep(current, wanted) === 'add'
      ? { ...current, pendingUsers: [...(current.pendingUsers ?? []), { address: wanted }], updatedAt }
      : undefined,
  );
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (outcome.kind === 'updated') return { kind: 'pending', address: wanted };
  switch (pendingStep(outcome.value, wanted)) {
    case 'followsGroup':
      return conflict('this integration follows a security group; add the person to the group instead');
    case 'full':
      return conflict('too many pending addresses');
    case 'consented': {
      const result = await addUser(integrationId, address, deps);
      return result.kind === 'added' ? { kind: 'added', user: userView(result.user) } : result;
    }
    default:
      // alreadyPending: asked for before, and kept. (Never 'add': that would have been written.)
      return { kind: 'pending', address: wanted };
  }
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

export async function listUsers(integrationId: string, deps: AdminDeps): Promise<Outcome<UserView[]>> {
  const stored = await deps.repos.integrations.get(integrationId);
  if (!stored) return noIntegration(integrationId);
  const users = (await deps.repos.users.listByIntegration(integrationId)).map(userView);
  const pending = (stored.value.pendingUsers ?? []).map(
    (p): UserView => ({
      email: p.address,
      status: p.problem ? 'refused' : 'pendingConsent',
      ...(p.problem ? { problem: p.problem } : {}),
    }),
  );
  return ok([...users, ...pending]);
}

export async function deleteUser(
  integrationId: string,
  userId: string,
  deps: AdminDeps,
): Promise<Outcome<null>> {
  if (!(await deps.repos.integrations.get(integrationId))) return noIntegration(integrationId);
  if (await removeUser(integrationId, userId, deps)) return ok(null);
  // A pending address can be withdrawn by the address itself.
  const address = userId.toLowerCase();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    ({ pendingUsers, ...record }) => {
      const rest = (pendingUsers ?? []).filter((p) => p.address !== address);
      if (rest.length === (pendingUsers ?? []).length) return undefined;
      return rest.length > 0 ? { ...record, pendingUsers: rest } : record;
    },
  );
  if (outcome.kind === 'updated') return ok(null);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  return outcome.kind === 'notFound' ? noIntegration(integrationId) : noUser(integrationId, userId);
}

export async function resyncUser(
  integrationId: string,
  userId: string,
  deps: AdminDeps,
): Promise<Outcome<null>> {
  if (!(await deps.repos.users.get(integrationId, userId))) return noUser(integrationId, userId);
  const now = deps.now();
  await deps.queue.send('sync', [syncMessageAt({ integrationId, userId, cause: 'resync' }, now, now)]);
  return ok(null);
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
): Promise<Outcome<UserRecord>> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return noIntegration(integrationId);
  const issues = userTriggerIssues(triggers, integration.ruleSet);
  // Invalid triggers write nothing; an unknown user is still told first, as it always was.
  const outcome = await optimisticUpdate(userRow(deps.repos.users, integrationId, userId), (current) => {
    if (issues.length > 0) return undefined;
    // Without a rules version the next sync is a fresh round under the new phrases.
    const { rulesVersion: _stale, ...rest } = current;
    return { ...rest, triggers };
  });
  if (outcome.kind === 'notFound') return noUser(integrationId, userId);
  if (issues.length > 0) return invalid(issues.join('; '));
  if (outcome.kind === 'conflict') return keptChanging('user');
  const now = deps.now();
  await deps.queue.send('sync', [syncMessageAt({ integrationId, userId, cause: 'rulesChanged' }, now, now)]);
  return ok(outcome.value);
}
