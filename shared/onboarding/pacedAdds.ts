// Many mailboxes handled at Graph's subscription-write pace: a few at once,
// each after taking its write from the tenant's pace (shared/subscriptions/writePace.ts),
// a 429 holding every one of them for Graph's Retry-After
// (https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling),
// and nothing started once the pace's deadline has come. Consent-time
// provisioning and group following both add users through it.

import { classifyGraphError } from '../graph/graphErrors';
import { paceWait, type WritePace } from '../subscriptions/writePace';

/**
 * Mailboxes handled at once. Each waits on Graph for a user, a mailbox and a
 * subscription (with its validation handshake), so one at a time would stay
 * far below the write pace; the pace, not this number, bounds the writes.
 */
export const PARALLEL_ADDS = 16;

/**
 * Runs `work` for each item, `PARALLEL_ADDS` at once under a pace (one at a
 * time without), each after one subscription write is taken from it. A 429
 * holds the pace and the item goes again after the wait; any other failure
 * is the item's own (`failed`, which may throw to stop them all). Resolves
 * with the items not done because the deadline came first, in their order.
 */
export async function pacedEach<T>(
  items: readonly T[],
  pace: WritePace | undefined,
  work: (item: T) => Promise<void>,
  failed: (item: T, error: unknown) => void | Promise<void>,
): Promise<T[]> {
  const left: T[] = [];
  let next = 0;
  let outOfTime = false;
  const one = async (item: T): Promise<void> => {
    for (;;) {
      if (pace && !(await pace.take())) {
        outOfTime = true;
        left.push(item);
        return;
      }
      try {
        await work(item);
        return;
      } catch (error) {
        const wait = paceWait(classifyGraphError(error));
        if (wait !== undefined && pace) {
          pace.holdFor(wait);
          continue;
        }
        await failed(item, error);
        return;
      }
    }
  };
  const worker = async () => {
    while (next < items.length && !outOfTime) await one(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(pace ? PARALLEL_ADDS : 1, items.length) }, worker));
  return [...left, ...items.slice(next)];
}
