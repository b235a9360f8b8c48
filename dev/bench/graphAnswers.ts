// How our notification endpoint looks from Graph's side while it is under the
// intake load: the simulator delivers genuine change notifications in the
// middle of the bench's flood of POSTs and counts, as Graph does, answers
// that took more than 2900 ms. Graph throttles every subscription on a URL
// once 10 % of its answers are slow and drops notifications at 15 %
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks#throttling),
// so the bound is none at all.

import type { BenchHost } from './benchHost';
import { measureIntake } from './intake';

export interface GraphAnswers {
  /** Events changed in the simulator while the intake load ran. */
  changes: number;
  /** Notification POSTs the simulator sent to the intake meanwhile. */
  answers: number;
  /** Of those, answered after more than 2900 ms (the simulator's counter). */
  slow: number;
  /** Of those, answered with anything but a 2xx (Graph would redeliver them). */
  notAccepted: number;
  slowestMs: number;
  /** Endpoints the simulator flagged as slow. */
  throttledUrls: string[];
}

export async function measureGraphAnswersUnderIntake(
  bench: BenchHost,
  requests: number,
  concurrency: number,
  changes: number,
): Promise<GraphAnswers> {
  const { simulator } = bench.host;
  const userIds = [...new Set((await bench.host.runtime.repos.subscriptions.list()).map((s) => s.userId))];
  if (userIds.length === 0) throw new Error('no subscribed mailbox to change');
  await simulator.flushNotifications();
  const sentBefore = simulator.notifications().length;
  const slowBefore = simulator.notificationStats().slow;
  let loadDone = false;
  const load = measureIntake(bench, requests, 1, concurrency).finally(() => {
    loadDone = true;
  });
  const base = Math.ceil(bench.host.runtime.now().getTime() / 3_600_000) * 3_600_000 + 3_600_000;
  let made = 0;
  // Spread over the load, so the genuine notifications meet the intake at its busiest.
  while (made < changes && !loadDone) {
    const start = new Date(base + made * 3_600_000);
    const end = new Date(start.getTime() + 30 * 60_000);
    simulator.createEvent(userIds[made % userIds.length]!, {
      subject: `Under load ${made}`,
      showAs: 'oof',
      start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
      end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
    });
    made++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await load;
  await simulator.flushNotifications();
  const answered = simulator
    .notifications()
    .slice(sentBefore)
    .filter((d) => d.url.startsWith(`${bench.host.url}/api/graph/notifications`));
  await bench.host.settle();
  return {
    changes: made,
    answers: answered.length,
    slow: simulator.notificationStats().slow - slowBefore,
    notAccepted: answered.filter((d) => d.status < 200 || d.status > 299).length,
    slowestMs: Math.max(0, ...answered.map((d) => d.durationMs)),
    throttledUrls: simulator.notificationStats().throttledUrls,
  };
}
