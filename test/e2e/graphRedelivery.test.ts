// Graph resends a notification that did not get a 2xx within 3 s, for up to
// 4 hours (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks).
// The intake relies on it: when it cannot queue the syncs it answers 503
// instead of acknowledging. Here the queue (Service Bus) refuses sends for a
// while, and the simulator's redelivery alone, with no maintenance run, brings
// every change to the PBX once the queue is back.

import { calendarScenario } from '../support/calendarScenario';
import { addDemoUsers, seededRandom, settle, useTestHost } from '../support/localHostHarness';

describe('Graph redelivers what the intake answered 503 to', () => {
  // No maintenance run: its catch-up would hide a missing redelivery.
  const host = useTestHost({ timerIntervalMs: 3_600_000 });
  let userIds: string[];
  let scenario: ReturnType<typeof calendarScenario>;

  beforeAll(async () => {
    userIds = await addDemoUsers(host, 4, 300);
    scenario = calendarScenario(host, () => userIds, seededRandom(20261201), {
      horizonHours: 48,
      privateShare: 0,
      showAs: ['oof', 'busy'],
      minEvents: 6,
    });
    await settle(host);
  });

  it('every change reaches the PBX through redeliveries once the queue accepts sends again', async () => {
    const queue = host.runtime.queue;
    const send = queue.send;
    let busy = true;
    let refused = 0;
    queue.send = async (name, messages) => {
      if (busy && name === 'sync') {
        refused++;
        throw Object.assign(new Error('The server is busy. Please try again later.'), {
          name: 'ServiceBusError',
          code: 'ServiceBusy',
          retryable: true,
        });
      }
      return send.call(queue, name, messages);
    };
    try {
      const before = host.simulator.notifications().length;
      for (let i = 0; i < 12; i++) scenario.change();
      await settle(host);
      const first = host.simulator.notifications().slice(before);
      expect(first.length).toBeGreaterThan(0);
      expect(first.every((d) => d.status === 503)).toBe(true);
      expect(refused).toBeGreaterThan(0);
      expect(scenario.pbxState()).not.toEqual(scenario.expected());
      expect(host.simulator.notificationStats().waiting).toBeGreaterThan(0);

      // Still busy at the first redelivery: Graph backs off and tries again.
      host.simulator.clock.advance(61_000);
      await settle(host);
      const second = host.simulator.notifications().slice(before + first.length);
      expect(second.length).toBe(first.length);
      expect(second.every((d) => d.status === 503 && d.attempt === 2)).toBe(true);
      // The next one is not due yet after another minute (the gap doubled).
      host.simulator.clock.advance(61_000);
      await settle(host);
      expect(host.simulator.notifications().length).toBe(before + 2 * first.length);

      busy = false;
      host.simulator.clock.advance(60_000);
      await settle(host);
      const third = host.simulator.notifications().slice(before + 2 * first.length);
      expect(third.length).toBe(first.length);
      expect(third.every((d) => d.status === 202 && d.attempt === 3)).toBe(true);
      expect(scenario.pbxState()).toEqual(scenario.expected());
      const stats = host.simulator.notificationStats();
      expect(stats).toMatchObject({ waiting: 0, discarded: 0, slow: 0 });
      expect(stats.redelivered).toBeGreaterThanOrEqual(2 * first.length);
      expect(host.sink!.rejected).toBe(0);
    } finally {
      queue.send = send;
    }
  });
});
