// Which users of an integration the maintenance run catches up, Microsoft 365
// or Exchange Server alike: those whose changes may not have been notified
// (a subscription made again, a setting read anew), whose last sync is old,
// whose sync window must roll, or whose rules changed.
import { windowCovers } from '../domain/syncWindow';
import type { OutgoingMessage } from '../queue/queuePort';
import type { IntegrationRecord, UserRecord } from '../storage/records';
import { coalescedSyncMessage, type SyncRequest } from '../sync/syncRequest';

export interface CatchUpChoice {
  /** Users that must be read whatever else holds (subscription re-created, settings changed). */
  mustRead: ReadonlySet<string>;
  /** Users not to read this run (refused mailboxes), unless in `mustRead`. */
  skip: ReadonlySet<string>;
  everyone: boolean;
  now: Date;
  catchUpMinutes: number;
  coalesceSeconds: number;
}

export function catchUpMessages(
  integration: IntegrationRecord,
  users: readonly UserRecord[],
  choice: CatchUpChoice,
): OutgoingMessage<SyncRequest>[] {
  const { now } = choice;
  const staleBefore = now.getTime() - choice.catchUpMinutes * 60_000;
  const days = integration.ruleSet.settings.syncDaysForward;
  return users
    .filter(
      (user) => choice.mustRead.has(user.id) || (user.status !== 'unreadable' && !choice.skip.has(user.id)),
    )
    .filter(
      (user) =>
        choice.everyone ||
        choice.mustRead.has(user.id) ||
        !user.lastSyncAt ||
        Date.parse(user.lastSyncAt) <= staleBefore ||
        !user.window ||
        !windowCovers(user.window, now, days) ||
        user.rulesVersion !== integration.rulesVersion,
    )
    .map((user) =>
      coalescedSyncMessage(
        { integrationId: integration.id, userId: user.id, cause: 'catchUp' },
        now,
        choice.coalesceSeconds,
      ),
    );
}
