// The maintenance run's work for one Exchange Server integration: every user
// in impersonation mode gets a push subscription, a silent one is made again
// from its stored watermark (ewsSubscriptionUpkeep.ts), and the users whose
// changes may have gone unnotified are caught up like Microsoft 365 users
// (catchUpSelection.ts). Nothing here is renewed: EWS push subscriptions do
// not expire while they are answered. Folder-permission integrations get no
// subscription (Exchange gives a delegate none); the poll timer reads them
// (shared/exchange/folderPermissionPoll.ts), and only the catch-ups apply.
import { EwsFailure } from '../exchange/ewsCalendarReader';
import {
  type ExchangeServerIntegration,
  markCredentialsRejected,
} from '../exchange/exchangeServerIntegration';
import type { Logger } from '../logger';
import type { QueueSender } from '../queue/queuePort';
import type { UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { catchUpMessages } from './catchUpSelection';
import { type EwsUpkeepDeps, ewsUpkeepNeed, subscribeEwsUser } from './ewsSubscriptionUpkeep';

export interface ExchangeServerMaintenanceDeps {
  repos: Pick<Repositories, 'users' | 'subscriptions' | 'integrations'>;
  queue: QueueSender;
  now: () => Date;
  log: Logger;
  catchUpMinutes: number;
  coalesceSeconds: number;
  ews: EwsUpkeepDeps;
}

export interface ExchangeServerMaintenanceResult {
  users: UserRecord[];
  /** Subscriptions made for users without one, or made again for silent ones. */
  recreated: number;
  /** Of those, the ones resumed from a stored watermark. */
  resumed: number;
  deferred: number;
  catchUps: number;
  createBudget: number;
  partialErrors: string[];
  /** Exchange refused the service account: the integration now waits for a new password. */
  credentialsRejected: boolean;
}

export async function maintainExchangeServerIntegration(
  integration: ExchangeServerIntegration,
  createBudget: number,
  deps: ExchangeServerMaintenanceDeps,
): Promise<ExchangeServerMaintenanceResult> {
  const now = deps.now();
  const [users, known] = await Promise.all([
    deps.repos.users.listByIntegration(integration.id),
    deps.repos.subscriptions.listByIntegration(integration.id),
  ]);
  const subscriptions = new Map(known.map((s) => [s.subscriptionId, s]));
  const result: ExchangeServerMaintenanceResult = {
    users,
    recreated: 0,
    resumed: 0,
    deferred: 0,
    catchUps: 0,
    createBudget,
    partialErrors: [],
    credentialsRejected: false,
  };
  const caughtUp = new Set<string>();
  let throttled = false;
  for (const user of users) {
    const subscription = user.subscriptionId ? subscriptions.get(user.subscriptionId) : undefined;
    const need = ewsUpkeepNeed(user, subscription, integration.exchangeServer.accessMode, now);
    if (need.kind === 'fine' || need.kind === 'polled') continue;
    if (throttled || result.createBudget <= 0) {
      result.deferred++;
      continue;
    }
    result.createBudget--;
    try {
      const made = await subscribeEwsUser(
        integration,
        user,
        deps.ews,
        need.kind === 'silent' ? { watermark: need.watermark } : undefined,
      );
      if (made.kind !== 'subscribed') continue;
      result.recreated++;
      if (made.resumed) result.resumed++;
      // What happened while no subscription listened: the replay hints at it, the catch-up reads it.
      caughtUp.add(user.id);
    } catch (error) {
      if (error instanceof EwsFailure && error.kind === 'credentialsRejected') {
        await markCredentialsRejected(integration.id, integration.exchangeServer.passwordSetAt, deps);
        result.credentialsRejected = true;
        return result;
      }
      // ErrorServerBusy is for the whole account: the rest wait for the next run.
      if (error instanceof EwsFailure && error.kind === 'throttled') throttled = true;
      result.deferred++;
      const why =
        error instanceof EwsFailure ? `EWS ${error.code}` : error instanceof Error ? error.message : 'error';
      result.partialErrors.push(`${integration.id}/${user.id}: ${why}`);
      deps.log.warn('could not make an EWS subscription; the next run retries', {
        integrationId: integration.id,
        userId: user.id,
        why,
      });
    }
  }
  const messages = catchUpMessages(integration, users, {
    mustRead: caughtUp,
    skip: new Set(),
    everyone: false,
    now,
    catchUpMinutes: deps.catchUpMinutes,
    coalesceSeconds: deps.coalesceSeconds,
  });
  if (messages.length > 0) await deps.queue.send('sync', messages);
  result.catchUps = messages.length;
  return result;
}
