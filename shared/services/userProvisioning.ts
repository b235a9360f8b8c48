import type { Client } from '@microsoft/microsoft-graph-client';
import { classifyGraphError } from '../graph/graphErrors';
import { deleteSubscription } from '../graph/subscriptions';
import { findUser } from '../graph/users';
import type { QueueSender } from '../queue/queuePort';
import type { IntegrationRecord, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import type { Logger } from './logger';
import { subscribeUser } from './subscriptionKeeper';
import { syncMessageAt } from './syncRequest';

export interface ProvisioningDeps {
  repos: Repositories;
  graphFor(integration: IntegrationRecord): Client;
  queue: QueueSender;
  now: () => Date;
  urls: { notification: string; lifecycle: string };
  subscriptionMinutes: number;
  defaultTimeZone: string;
  log: Logger;
}

export type AddUserResult =
  | { kind: 'added'; user: UserRecord }
  | { kind: 'refused'; status: 400 | 404 | 409; reason: string };

/**
 * Adds a mailbox to an integration: resolves the address with Graph,
 * subscribes to its events and queues the first sync.
 */
export async function addUser(
  integrationId: string,
  address: string,
  deps: ProvisioningDeps,
): Promise<AddUserResult> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!integration) return { kind: 'refused', status: 404, reason: 'integration not found' };
  if (integration.consentState !== 'granted' || !integration.tenantId) {
    return { kind: 'refused', status: 409, reason: 'the Microsoft 365 admin has not granted consent yet' };
  }
  const client = deps.graphFor(integration);
  const found = await findUser(client, address);
  if (!found)
    return { kind: 'refused', status: 400, reason: `no user with the address ${address} in the tenant` };
  const now = deps.now();
  const existing = (await deps.repos.users.get(integrationId, found.id))?.value;
  const user: UserRecord = existing ?? {
    integrationId,
    id: found.id,
    email: found.mail ?? found.userPrincipalName ?? address,
    ...(found.displayName ? { displayName: found.displayName } : {}),
    timeZone: deps.defaultTimeZone,
    status: 'neverSynced',
    createdAt: now.toISOString(),
  };
  const withSubscription = user.subscriptionId
    ? user
    : { ...user, subscriptionId: (await subscribeUser(integration, user, deps)).subscriptionId };
  await deps.repos.users.upsert(withSubscription);
  await deps.queue.send('sync', [
    syncMessageAt({ integrationId, userId: user.id, cause: 'provisioned' }, now, now),
  ]);
  deps.log.info('user added', { integrationId, userId: user.id });
  return { kind: 'added', user: withSubscription };
}

/** Removes a user and everything about it: subscription (Graph and table), absences, the user row. */
export async function removeUser(
  integrationId: string,
  userId: string,
  deps: ProvisioningDeps,
): Promise<boolean> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  const user = (await deps.repos.users.get(integrationId, userId))?.value;
  if (!integration || !user) return false;
  if (user.subscriptionId) {
    if (integration.tenantId && integration.consentState === 'granted') {
      try {
        await deleteSubscription(deps.graphFor(integration), user.subscriptionId);
      } catch (error) {
        // Graph drops an unrenewed subscription within days anyway; the rows must go regardless.
        deps.log.warn('could not delete the Graph subscription', {
          userId,
          status: classifyGraphError(error)?.status,
        });
      }
    }
    await deps.repos.subscriptions.delete(user.subscriptionId);
  }
  await deps.repos.absences.deleteAllForUser(integrationId, userId);
  await deps.repos.users.delete(integrationId, userId);
  return true;
}
