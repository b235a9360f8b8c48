// Queue statistics for local runs and tests: the in-process queue counts its
// own messages, grouped the way Service Bus reports them, so the dashboard
// reads the same figures here as in Azure. A message being handled is held
// under a lock in the queue until it is completed, and an abandoned one is
// offered again, so both stay among the queue's active messages:
//   https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement
import type { QueueStatistics } from '../../shared/queue/queueStatistics';
import type { InProcessQueue } from './inProcessQueue';

export function inProcessQueueStatistics(queue: Pick<InProcessQueue, 'stats'>): QueueStatistics {
  return {
    async figures(name) {
      const stats = queue.stats(name);
      return {
        available: true,
        active: stats.ready + stats.inFlight + stats.retrying,
        scheduled: stats.scheduled,
        deadLettered: stats.deadLettered,
      };
    },
  };
}
