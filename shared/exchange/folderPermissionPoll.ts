// Exchange does not take push subscriptions on a folder opened as a delegate
// (ErrorSubscriptionDelegateAccessNotSupported: "use impersonation instead",
// MicrosoftDocs/office-developer-exchange-docs,
// docs/exchange-web-services/handling-delegation-related-errors-in-ews-in-exchange.md).
// So integrations in folder-permission mode are polled: a timer queues one
// sync per user, and each sync is one whole-window CalendarView whose diff
// sends only what changed. The messages carry the poll's time slot as their
// id, so two instances firing the same slot queue each user once.
import type { Logger } from '../logger';
import type { QueueSender } from '../queue/queuePort';
import type { Repositories } from '../storage/repositories';
import { syncMessageAt } from '../sync/syncRequest';
import { canReadCalendars } from './exchangeServerIntegration';

/** The timer's period (functions/exchangePoll.ts): a change in such a mailbox reaches the PBX within it. */
export const FOLDER_PERMISSION_POLL_MINUTES = 5;

export interface FolderPermissionPollDeps {
  repos: Pick<Repositories, 'integrations' | 'users'>;
  queue: QueueSender;
  now: () => Date;
  /** How often each mailbox is read; the timer's schedule. */
  intervalMinutes: number;
  log: Logger;
}

export interface PollReport {
  integrations: number;
  queued: number;
}

/** Sends at most this many messages per queue call, as the rest of the service does. */
const SEND_CHUNK = 100;

export async function pollFolderPermissionMailboxes(deps: FolderPermissionPollDeps): Promise<PollReport> {
  const now = deps.now();
  const slot = new Date(
    Math.floor(now.getTime() / (deps.intervalMinutes * 60_000)) * deps.intervalMinutes * 60_000,
  );
  const report: PollReport = { integrations: 0, queued: 0 };
  for (const integration of await deps.repos.integrations.list()) {
    const polled =
      integration.exchangeServer?.accessMode === 'folderPermission' &&
      integration.active &&
      !integration.ending &&
      canReadCalendars(integration);
    if (!polled) continue;
    report.integrations++;
    try {
      const users = await deps.repos.users.listByIntegration(integration.id);
      const messages = users.map((user) =>
        // `at` is the slot, so the message id is the same for every instance polling this slot.
        ({
          ...syncMessageAt({ integrationId: integration.id, userId: user.id, cause: 'catchUp' }, slot, now),
        }),
      );
      for (let i = 0; i < messages.length; i += SEND_CHUNK) {
        await deps.queue.send('sync', messages.slice(i, i + SEND_CHUNK));
      }
      report.queued += messages.length;
    } catch (error) {
      // One integration's trouble never stops the others' polls.
      deps.log.warn('could not poll an Exchange Server integration', {
        integrationId: integration.id,
        error: error instanceof Error ? error.name : 'error',
      });
    }
  }
  return report;
}
