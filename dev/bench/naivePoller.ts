// The polling baseline, run rather than computed: every minute it reads each
// user's whole window and pages through it, whether anything changed or not.
// The simulator has no plain `calendarView`, so each read is the first round
// of `calendarView/delta` without a token, which pages the same window the
// same way (`odata.maxpagesize`, https://learn.microsoft.com/graph/api/event-delta).

import { syncWindowFor } from '../../shared/domain/syncWindow';
import type { NaiveGraphClient } from './naiveGraphClient';
import { inParallel } from './percentiles';

export interface PollerSettings {
  windowDays: number;
  pageSize: number;
}

export interface Poll {
  /** Requests this poll took: every page of every user's window. */
  requests: number;
  /** The event ids it read, per user: what the poller knows of each calendar after it. */
  seen: Map<string, Set<string>>;
}

/** Reads each user's window (the service's own, `syncWindowFor`) once, every page. */
export async function pollOnce(
  client: NaiveGraphClient,
  userIds: readonly string[],
  now: Date,
  settings: PollerSettings,
): Promise<Poll> {
  const before = client.requests;
  const seen = new Map<string, Set<string>>();
  const { start, end } = syncWindowFor(now, settings.windowDays);
  const prefer = { prefer: `odata.maxpagesize=${settings.pageSize}` };
  await inParallel(userIds.length, 8, async (i) => {
    const userId = userIds[i]!;
    const ids = new Set<string>();
    seen.set(userId, ids);
    let link: string | undefined =
      `users/${encodeURIComponent(userId)}/calendarView/delta?startDateTime=${start}&endDateTime=${end}`;
    while (link) {
      const page = (await client.get(link, prefer)) as
        | { value?: Array<{ id?: unknown }>; '@odata.nextLink'?: unknown }
        | undefined;
      if (!page) throw new Error(`poll of ${userId} failed`);
      for (const item of page.value ?? []) if (typeof item.id === 'string') ids.add(item.id);
      link = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
    }
  });
  return { requests: client.requests - before, seen };
}
