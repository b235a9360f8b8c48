import { DEMO_USERS } from '../localHost/demoTenant';
import { startLocalHost } from '../localHost/localHost';

export interface BurstCost {
  changes: number;
  graphRequests: number;
  deltaRequests: number;
  lowerBound: number;
  /** One GET per notification, the way a naive integration would read each changed event. */
  naiveBaseline: number;
  webhooks: number;
}

/**
 * Graph requests the whole local system spends on a burst of K changes to one
 * user's calendar, from the notifications to the last webhook. The lower bound
 * is one delta round: ⌈K / page size⌉ requests.
 */
export async function measureBurstCost(changes: number, tablesConnectionString: string): Promise<BurstCost> {
  let graphRequests = 0;
  let deltaRequests = 0;
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString,
    tablePrefix: `burst${Date.now().toString(36)}`,
    coalesceSeconds: 1,
    log: () => undefined,
    onGraphRequest: (_method, url) => {
      graphRequests++;
      if (url.includes('calendarView/delta')) deltaRequests++;
    },
  });
  try {
    await host.settle();
    const alice = DEMO_USERS[0];
    graphRequests = 0;
    deltaRequests = 0;
    const notificationsBefore = host.simulator.notifications().length;
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    for (let i = 0; i < changes; i++) {
      const start = new Date(base + (i + 1) * 3_600_000);
      const end = new Date(start.getTime() + 1_800_000);
      host.simulator.createEvent(alice.id, {
        subject: `Burst ${i}`,
        showAs: 'busy',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
    }
    await host.simulator.flushNotifications();
    await host.settle();
    return {
      changes,
      graphRequests,
      deltaRequests,
      lowerBound: Math.ceil(changes / host.runtime.config.DELTA_PAGE_SIZE),
      naiveBaseline: host.simulator.notifications().length - notificationsBefore,
      webhooks: host.sink?.received.length ?? 0,
    };
  } finally {
    await host.stop();
  }
}
