// Integrations as the operator manages them: create (with a fresh PBX
// signing secret; an Exchange Server one once its connection passed,
// exchangeServerSetup.ts), change, replace the rules, resync, delete.
// Deleting and deactivating first tell the PBX (integrationEnding.ts).
import { randomBytes } from 'node:crypto';
import { isExchangeServer } from '../exchange/exchangeServerIntegration';
import { addUser, type ProvisioningDeps } from '../onboarding/userProvisioning';
import { conflict, invalid, type Outcome, ok } from '../outcome';
import { decidePbxTarget, type ResolveHost, type TargetPolicy } from '../pbx/pbxTarget';
import { generateSigningSecret } from '../pbx/signing';
import type { SecretStore } from '../secrets/secretStore';
import { checkIntegrationFits } from '../storage/integrationEntity';
import { integrationRow, optimisticUpdate } from '../storage/optimisticUpdate';
import { ConcurrencyError, type IntegrationRecord } from '../storage/records';
import { syncMessageAt } from '../sync/syncRequest';
import {
  type ExchangeAdminDeps,
  type ExchangeServerChangePlan,
  type ExchangeServerPrepared,
  planExchangeServerChange,
  prepareExchangeServer,
} from './exchangeServerSetup';
import { advanceEnding, type EndingPolicy, FIRST_STEP_SNAPSHOTS, newEnding } from './integrationEnding';
import { type IntegrationView, integrationView } from './integrationViews';
import type { CreateIntegration, RulesInput, UpdateIntegration } from './managementSchemas';
import { keptChanging, noIntegration, storedOr } from './refusals';
import { rulesFrom } from './ruleChoice';

export interface AdminDeps extends ProvisioningDeps {
  secrets: SecretStore;
  publicBaseUrl: string;
  /** The same policy the delivery uses, so a URL that can be saved can be sent to. */
  pbxTarget: TargetPolicy;
  /** How a PBX host name is resolved when a URL is saved (DNS unless a test stubs it); the send resolves again. */
  resolveHost?: ResolveHost;
  /** How an ending dates its last snapshots and how long it waits for them; DEFAULT_ENDING_POLICY when absent. */
  endingPolicy?: EndingPolicy;
  /** Exchange Server integrations: the connection check, the loopback policy, the instance's passwords. */
  exchange: ExchangeAdminDeps;
}

/**
 * Creates an integration with a fresh PBX signing secret. The secret goes to
 * the secret store under a name of its own (a deleted integration's name may
 * still be held by Key Vault's soft delete) and is returned this once. An
 * Exchange Server integration is created only once its connection passed on
 * the test mailbox; it has no consent to wait for, so it starts granted and
 * its users are added at once.
 */
export async function createIntegration(
  input: CreateIntegration,
  deps: AdminDeps,
): Promise<Outcome<{ integration: IntegrationView; pbxSecret: string }>> {
  const target = await decidePbxTarget(input.pbxUrl, deps.pbxTarget, deps.resolveHost);
  if (target.kind === 'refused') return invalid(target.reason);
  if (await deps.repos.integrations.get(input.id)) return conflict(`integration ${input.id} exists already`);
  let exchange: ExchangeServerPrepared | undefined;
  if (input.exchangeServer) {
    const prepared = await prepareExchangeServer(input.id, input.exchangeServer, deps);
    if (prepared.kind !== 'ok') return prepared;
    exchange = prepared.value;
  }
  const pbxSecret = generateSigningSecret();
  const pbxSecretName = `pbx-${input.id}-${randomBytes(4).toString('hex')}`;
  const now = deps.now().toISOString();
  // The schema has normalised the addresses already (shared/domain/mailAddress.ts).
  const addresses = [...new Set(input.users ?? [])];
  const record: IntegrationRecord = {
    id: input.id,
    name: input.name,
    active: input.active,
    ...(exchange
      ? { exchangeServer: exchange.settings, consentState: 'granted', consentedAt: now }
      : {
          ...(input.tenantId ? { tenantId: input.tenantId.toLowerCase() } : {}),
          consentState: 'pending',
          consentMode: input.consentMode ?? 'tenantWide',
          ...(addresses.length > 0 ? { pendingUsers: addresses.map((address) => ({ address })) } : {}),
        }),
    ...(input.followGroupId ? { followGroupId: input.followGroupId.toLowerCase() } : {}),
    pbxUrl: input.pbxUrl,
    ...(input.pbxMaxConcurrentRequests ? { pbxMaxConcurrentRequests: input.pbxMaxConcurrentRequests } : {}),
    pbxSecretName,
    ruleSet: rulesFrom(input.rules),
    rulesVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  // Before the secret exists, so a refused body leaves nothing behind.
  const fits = await storedOr(
    async () => checkIntegrationFits(record),
    (property) => integrationField(property, record),
  );
  if (fits.kind !== 'ok') return fits;
  const secretNames = [pbxSecretName, ...(exchange ? [exchange.settings.passwordSecretName] : [])];
  try {
    await deps.secrets.set(pbxSecretName, pbxSecret);
    if (exchange) await deps.secrets.set(exchange.settings.passwordSecretName, exchange.password);
    await deps.repos.integrations.create(record);
  } catch (error) {
    for (const name of secretNames) await deps.secrets.delete(name).catch(() => undefined);
    if (error instanceof ConcurrencyError) return conflict(`integration ${input.id} exists already`);
    throw error;
  }
  deps.log.info('integration created', {
    integrationId: record.id,
    kind: exchange ? 'exchangeServer' : 'microsoft365',
  });
  if (exchange) {
    // Nothing to consent to: the addresses become users now, each with its first sync queued.
    for (const address of addresses) {
      const added = await addUser(record.id, address, deps);
      if (added.kind !== 'added')
        deps.log.warn('user not added', { integrationId: record.id, reason: added.reason });
    }
  }
  return ok({ integration: integrationView(record, deps.publicBaseUrl), pbxSecret });
}

export async function updateIntegration(
  id: string,
  change: UpdateIntegration,
  deps: AdminDeps,
): Promise<Outcome<IntegrationView>> {
  if (change.pbxUrl !== undefined) {
    const target = await decidePbxTarget(change.pbxUrl, deps.pbxTarget, deps.resolveHost);
    if (target.kind === 'refused') return invalid(target.reason);
  }
  const { followGroupId, pbxMaxConcurrentRequests, active, exchangeServer: _connection, ...fields } = change;
  const exchangePlan = await planForKind(id, change, deps);
  if (exchangePlan.kind !== 'ok') return exchangePlan;
  const plan = exchangePlan.value;
  const now = deps.now();
  let turned: 'off' | 'on' | undefined;
  const result = await changeIntegration(id, deps, (stored) => {
    const { followGroupId: following, pbxMaxConcurrentRequests: storedCap, ...rest } = stored;
    const group = followGroupId === undefined ? following : (followGroupId ?? undefined)?.toLowerCase();
    const cap = pbxMaxConcurrentRequests === undefined ? storedCap : (pbxMaxConcurrentRequests ?? undefined);
    const current: IntegrationRecord = {
      ...rest,
      ...(group ? { followGroupId: group } : {}),
      ...(cap ? { pbxMaxConcurrentRequests: cap } : {}),
    };
    const modeChanged =
      change.consentMode !== undefined && change.consentMode !== (current.consentMode ?? 'tenantWide');
    // Another mode is another app: what the admin consented to no longer applies.
    const changed: IntegrationRecord = modeChanged
      ? {
          ...current,
          ...fields,
          consentState: 'pending',
          consentError: 'the consent mode changed; the admin must consent again with the link',
        }
      : { ...current, ...fields };
    const next = plan ? plan.apply(changed) : changed;
    turned = undefined;
    if (active === false && current.active) {
      // Off: the PBX is told first (integrationEnding.ts); the row is inactive at once, so nothing syncs.
      turned = 'off';
      return { ...next, active: false, ending: newEnding('deactivate', now, deps) };
    }
    if (active === true && (!current.active || current.ending)) {
      // On again, also in the middle of a deactivation: the ending stops, and every user's fresh read
      // sends a snapshot above the last one the ending sent.
      turned = 'on';
      const { ending: _stopped, ...rest } = next;
      return { ...rest, active: true };
    }
    return next;
  });
  if (result.kind !== 'ok') return result;
  if (plan) {
    plan.saved();
    if (plan.recovered()) {
      deps.log.info('Exchange accepts the service account again; every user is read again', {
        integrationId: id,
      });
      await queueResync(id, 'resync', deps);
    }
  }
  if (turned === 'off') {
    await advanceEnding(id, deps, { newSnapshots: FIRST_STEP_SNAPSHOTS });
    return (await readView(id, deps)) ?? result;
  }
  if (turned === 'on') await queueFreshReads(id, deps);
  return result;
}

/**
 * The fields only one kind has: consent mode and a followed group are
 * Microsoft 365's, the EWS connection Exchange Server's. For an Exchange
 * Server change, the plan (with its connection tried) or the refusal.
 */
async function planForKind(
  id: string,
  change: UpdateIntegration,
  deps: AdminDeps,
): Promise<Outcome<ExchangeServerChangePlan | undefined>> {
  const graphOnly = (['consentMode', 'followGroupId'] as const).find((name) => change[name] !== undefined);
  if (change.exchangeServer === undefined && graphOnly === undefined) return ok(undefined);
  const stored = (await deps.repos.integrations.get(id, { fresh: true }))?.value;
  if (!stored) return noIntegration(id);
  if (isExchangeServer(stored) && graphOnly) {
    return invalid(
      `${graphOnly}: an Exchange Server integration has no Microsoft 365 consent or group`,
      graphOnly,
    );
  }
  if (change.exchangeServer === undefined) return ok(undefined);
  return planExchangeServerChange(stored, change.exchangeServer, deps);
}

async function readView(id: string, deps: AdminDeps): Promise<Outcome<IntegrationView> | undefined> {
  const stored = await deps.repos.integrations.get(id, { fresh: true });
  return stored ? ok(integrationView(stored.value, deps.publicBaseUrl)) : undefined;
}

/**
 * A fresh round per user: its snapshot replaces what the PBX holds, the empty
 * one of an ending included. The PBX took that empty snapshot as deleting
 * each absence at the snapshot's version, so an absence coming back must
 * carry a higher version than its stored row has: the rows of a user who was
 * sent one go (the version clock keeps counting from the snapshot's version,
 * recorded on the user row), and the fresh round saves them again, newly versioned.
 */
async function queueFreshReads(integrationId: string, deps: AdminDeps): Promise<void> {
  const now = deps.now();
  const users = await deps.repos.users.listByIntegration(integrationId);
  if (users.length === 0) return;
  for (const user of users) {
    if (user.endingSnapshot) await deps.repos.absences.deleteAllForUser(integrationId, user.id);
  }
  await deps.queue.send(
    'sync',
    users.map((user) =>
      syncMessageAt({ integrationId, userId: user.id, cause: 'resync', reconcile: true }, now, now),
    ),
  );
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
  // PUT /rules takes the rule set as the whole body.
  const result = await changeIntegration(
    id,
    deps,
    (current) => ({ ...current, ruleSet, rulesVersion: current.rulesVersion + 1 }),
    { ruleSet: '', pendingUsers: 'users' },
  );
  if (result.kind === 'ok') await queueResync(id, 'rulesChanged', deps);
  return result;
}

/** Where a request names each part of the integration row: the create body's names by default. */
interface FieldNames {
  ruleSet: string;
  pendingUsers: string;
}
const CREATE_FIELDS: FieldNames = { ruleSet: 'rules', pendingUsers: 'users' };

/**
 * The request field a stored property of the integration row comes from; for
 * the rule set, its largest list, since that is what the caller would shorten.
 */
function integrationField(
  property: string,
  record: IntegrationRecord,
  names: FieldNames = CREATE_FIELDS,
): string | undefined {
  if (property === 'ruleSet') {
    const largest = Object.entries(record.ruleSet).reduce<[string, number]>(
      (best, [key, value]) => {
        const size = JSON.stringify(value ?? null).length;
        return size > best[1] ? [key, size] : best;
      },
      ['', 0],
    )[0];
    return [names.ruleSet, largest].filter((part) => part !== '').join('.');
  }
  if (property === 'pendingUsers') return names.pendingUsers;
  return ['name', 'pbxUrl', 'followGroupId', 'tenantId'].includes(property) ? property : undefined;
}

/**
 * `change` may run more than once (on fresh reads), so it must be pure. A
 * result Table Storage would refuse (with room kept for provisioning's
 * reasons) is the caller's mistake, named by the field in `fieldsAt`.
 */
async function changeIntegration(
  id: string,
  deps: AdminDeps,
  change: (current: IntegrationRecord) => IntegrationRecord,
  fieldsAt: FieldNames = CREATE_FIELDS,
): Promise<Outcome<IntegrationView>> {
  const updatedAt = deps.now().toISOString();
  let last: IntegrationRecord | undefined;
  let deleting = false;
  const stored = await storedOr(
    () =>
      optimisticUpdate(integrationRow(deps.repos.integrations, id), (current) => {
        deleting = current.ending?.kind === 'delete';
        if (deleting) return undefined;
        last = { ...change(current), id, updatedAt };
        checkIntegrationFits(last);
        return last;
      }),
    (property) => (last ? integrationField(property, last, fieldsAt) : undefined),
  );
  if (stored.kind !== 'ok') return stored;
  const outcome = stored.value;
  if (outcome.kind === 'notFound') return noIntegration(id);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (deleting) return conflict(`integration ${id} is being deleted`);
  return ok(integrationView(outcome.value, deps.publicBaseUrl));
}

export type DeleteResult = { kind: 'deleted' } | { kind: 'ending'; integration: IntegrationView };

/**
 * Deleting tells the PBX first: the integration turns inactive and ending at
 * once, every user's last (empty) snapshot is queued, and the maintenance run
 * removes everything (users with their Graph subscriptions, absences, the PBX
 * secret, the row) once those are delivered or failed for good
 * (integrationEnding.ts). An integration without users goes at once. Asked
 * again meanwhile, it answers the same ending; a deactivation under way
 * becomes the deletion, keeping the snapshots it queued and its deadline.
 */
export async function deleteIntegration(id: string, deps: AdminDeps): Promise<Outcome<DeleteResult>> {
  const now = deps.now();
  const marked = await optimisticUpdate(integrationRow(deps.repos.integrations, id), (current) =>
    current.ending?.kind === 'delete'
      ? undefined
      : {
          ...current,
          active: false,
          ending: current.ending
            ? { ...current.ending, kind: 'delete' as const }
            : newEnding('delete', now, deps),
          updatedAt: now.toISOString(),
        },
  );
  if (marked.kind === 'notFound') return noIntegration(id);
  if (marked.kind === 'conflict') return keptChanging('integration');
  const progress = await advanceEnding(id, deps, { newSnapshots: FIRST_STEP_SNAPSHOTS });
  if (progress.kind !== 'waiting') return ok({ kind: 'deleted' });
  const view = await readView(id, deps);
  if (view?.kind !== 'ok') return ok({ kind: 'deleted' });
  deps.log.info('integration ending', { integrationId: id, users: progress.users });
  return ok({ kind: 'ending', integration: view.value });
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

/** Queues a sync of every user of the integration. */
export async function resyncIntegration(integrationId: string, deps: AdminDeps): Promise<Outcome<number>> {
  if (!(await deps.repos.integrations.get(integrationId))) return noIntegration(integrationId);
  return ok(await queueResync(integrationId, 'resync', deps));
}
