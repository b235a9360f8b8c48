// The maintenance run's look at every mailbox's automatic replies. Graph
// sends no change notification for mailbox settings (a mailbox's
// subscriptions cover its contacts, events and messages only:
// https://learn.microsoft.com/graph/outlook-change-notifications-overview),
// so a reply turned on in Outlook with no calendar change beside it is only
// seen by asking. Asked in `$batch` calls of 20 (Graph's maximum,
// https://learn.microsoft.com/graph/json-batching); a user whose reply
// changed has the time of the sync's last read cleared, so the sync that is
// queued for them asks again and diffs the change (docs/rules.md, "Outlook
// automatic replies").

import { settingChanged } from '../domain/automaticReplies';
import { automaticRepliesBatchItem, automaticRepliesFromBatch } from '../graph/automaticRepliesSetting';
import { chunks, MAX_BATCH_SIZE, sendBatch } from '../graph/jsonBatch';
import { optimisticUpdate, userRow } from '../storage/optimisticUpdate';
import type { IntegrationRecord, UserRecord } from '../storage/records';
import type { MaintenanceDeps } from './maintenanceRun';

export interface AutomaticRepliesCheck {
  /** Users whose automatic replies changed since their last sync read them. */
  changed: Set<string>;
  /** Answers that failed (throttled, server errors): those users are asked again next run. */
  failed: number;
}

export async function checkAutomaticReplies(
  integration: IntegrationRecord,
  users: readonly UserRecord[],
  deps: Pick<MaintenanceDeps, 'graphFor' | 'repos' | 'log'>,
): Promise<AutomaticRepliesCheck> {
  const result: AutomaticRepliesCheck = { changed: new Set(), failed: 0 };
  if (!integration.ruleSet.automaticReplies.sync || users.length === 0) return result;
  const client = deps.graphFor(integration);
  const groups = chunks(users, MAX_BATCH_SIZE);
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++] as UserRecord[];
      const items = group.map((user, index) => automaticRepliesBatchItem(String(index), user.id));
      const responses = await sendBatch(client, items);
      for (const [index, response] of responses.entries()) {
        const user = group[index] as UserRecord;
        const answer = automaticRepliesFromBatch(response);
        if (answer.kind === 'failed') {
          result.failed++;
          continue;
        }
        // As the sync reads it: a mailbox Graph will not answer for has its replies off.
        const setting = answer.kind === 'read' ? answer.setting : { status: 'disabled' as const };
        if (!settingChanged(user.automaticReplies?.state, setting)) continue;
        result.changed.add(user.id);
        await markStale(user, deps);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, groups.length) }, worker));
  return result;
}

/**
 * `$batch` calls in flight at once, as for renewals (subscriptionKeeper.ts):
 * Outlook runs a batch's items 4 at a time
 * (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits-for-json-batching),
 * so a tenant of 10,000 mailboxes takes 500 calls, 125 rounds of 4.
 */
const PARALLEL_BATCHES = 4;

/** The sync asks a mailbox whose memo has no read time at once, whatever the max age. */
async function markStale(user: UserRecord, deps: Pick<MaintenanceDeps, 'repos'>): Promise<void> {
  await optimisticUpdate(userRow(deps.repos.users, user.integrationId, user.id), (current) => {
    const memo = current.automaticReplies;
    if (memo?.readAt === undefined) return undefined;
    return { ...current, automaticReplies: { state: memo.state } };
  });
}
