// The queue-statistics port: how many messages one queue holds, for the
// operator's dashboard. Service Bus answers through its management API in
// Azure (shared/queue/serviceBusQueueStatistics.ts); the in-process queue
// counts its own messages locally (dev/localHost/inProcessQueueStatistics.ts).
// Figures are a courtesy to the operator, never a reason for a request to
// fail: a source that cannot count says so, with a short reason that is safe
// to show.
import type { Logger } from '../logger';
import type { QueueName } from './queuePort';

export interface QueueCounts {
  /** Waiting for a handler or being handled (a locked message stays in the queue until settled). */
  active: number;
  /** Sent with a later enqueue time; delivery retries wait here. */
  scheduled: number;
  /** Given up on by the queue after the maximum delivery count. */
  deadLettered: number;
}

export type QueueFigures =
  | ({ available: true } & QueueCounts)
  | {
      available: false;
      /** Short and fit for the operator's screen: no error text, keys or addresses. */
      reason: string;
    };

export interface QueueStatistics {
  /** Never rejects; a source that cannot count logs why on `log` (warn) and answers unavailable. */
  figures(queue: QueueName, log: Logger): Promise<QueueFigures>;
}

/** For a host without a source of figures: every answer is the same refusal. */
export function unavailableQueueStatistics(reason: string): QueueStatistics {
  return { figures: async () => ({ available: false, reason }) };
}
