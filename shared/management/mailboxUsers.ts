// An integration's mailboxes as the operator manages them: add by address
// (now, or kept until the admin has consented), list with their status,
// remove, resync, and the user's own trigger phrases.
import { addressKey } from '../domain/mailAddress';
import { type RuleSet, userTriggerIssues } from '../domain/rules/ruleSet';
import { addUser, removeUser } from '../onboarding/userProvisioning';
import { conflict, invalid, type Outcome, ok, type Refusal } from '../outcome';
import { checkIntegrationFits } from '../storage/integrationEntity';
import { integrationRow, optimisticUpdate, userRow } from '../storage/optimisticUpdate';
import type { IntegrationRecord, UserRecord } from '../storage/records';
import { syncMessageAt } from '../sync/syncRequest';
import type { AdminDeps } from './integrations';
import { keptChanging, noIntegration, noUser, storedOr } from './refusals';

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
  const wanted = addressKey(address);
  const updatedAt = deps.now().toISOString();
  const stored = await storedOr(
    () =>
      optimisticUpdate(integrationRow(deps.repos.integrations, integrationId), (current) => {
        if (pendingStep(current, wanted) !== 'add') return undefined;
        const next = {
          ...current,
          pendingUsers: [...(current.pendingUsers ?? []), { address: wanted }],
          updatedAt,
        };
        // With room for the reason provisioning may give it, so the list can always be kept.
        checkIntegrationFits(next);
        return next;
      }),
    () => 'email',
  );
  if (stored.kind !== 'ok') return stored;
  const outcome = stored.value;
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (outcome.kind === 'updated') return { kind: 'pending', address: wanted };
  switch (pendingStep(outcome.value, wanted)) {
    case 'followsGroup':
      return conflict('this integration follows a security group; add the person to the group instead');
    case 'full':
      return conflict('too many pending addresses');
    case 'consented': {
      const result = await addUser(integrationId, wanted, deps);
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
  status: 'ok' | 'neverSynced' | 'error' | 'unreadable' | 'pendingConsent' | 'refused';
  /** Why the last sync failed, why Graph refuses the mailbox, or why a pending address was refused. */
  problem?: string;
  /** For an `unreadable` mailbox: when the maintenance run tries it again. */
  retryAt?: string;
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
    ...((user.status === 'error' || user.status === 'unreadable') && user.lastError
      ? { problem: user.lastError }
      : {}),
    ...(user.status === 'unreadable' && user.retryAt ? { retryAt: user.retryAt } : {}),
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
  const address = addressKey(userId);
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
  const stored = await storedOr(
    () =>
      optimisticUpdate(userRow(deps.repos.users, integrationId, userId), (current) => {
        if (issues.length > 0) return undefined;
        // Without a rules version the next sync is a fresh round under the new phrases.
        const { rulesVersion: _stale, ...rest } = current;
        return { ...rest, triggers };
      }),
    (property) => (property === 'triggers' ? 'triggers' : undefined),
  );
  if (stored.kind !== 'ok') return stored;
  const outcome = stored.value;
  if (outcome.kind === 'notFound') return noUser(integrationId, userId);
  if (issues.length > 0) return invalid(issues.join('; '), 'triggers');
  if (outcome.kind === 'conflict') return keptChanging('user');
  const now = deps.now();
  await deps.queue.send('sync', [syncMessageAt({ integrationId, userId, cause: 'rulesChanged' }, now, now)]);
  return ok(outcome.value);
}
