// The bench's naive baselines are runs, so their counting is code that can be
// wrong: these hold it to what the simulator itself logged.

import { naiveGraphClient } from '../../dev/bench/naiveGraphClient';
import { startNaiveNotifiedReader } from '../../dev/bench/naiveNotifiedReader';
import { pollOnce } from '../../dev/bench/naivePoller';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { DEMO_TENANT } from '../../dev/localHost/demoTenant';

describe('naive baselines', () => {
  let sim: GraphSimulator;
  const users = ['poll-user-1', 'poll-user-2'];
  let firstUserEvents: string[] = [];

  const addEvents = (userId: string, count: number) => {
    const base = Math.ceil(sim.clock.now().getTime() / 3_600_000) * 3_600_000;
    return Array.from({ length: count }, (_, i) => {
      const start = new Date(base + (i + 1) * 3_600_000);
      return sim.createEvent(userId, {
        subject: `Event ${i}`,
        showAs: 'busy',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: {
          dateTime: new Date(start.getTime() + 1_800_000).toISOString().replace('Z', ''),
          timeZone: 'UTC',
        },
      });
    });
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(DEMO_TENANT);
    for (const id of users) sim.addUser(DEMO_TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    firstUserEvents = addEvents(users[0]!, 25).map((e) => e.id);
    addEvents(users[1]!, 9);
  });

  afterAll(() => sim.stop());

  it('the poller pages through every user’s window on every poll, and counts each page', async () => {
    const client = naiveGraphClient(sim);
    sim.requests.reset();
    const settings = { windowDays: 14, pageSize: 10 };
    const first = await pollOnce(client, users, sim.clock.now(), settings);
    const second = await pollOnce(client, users, sim.clock.now(), settings);
    const logged = sim.requests.count({ pathIncludes: 'calendarView/delta' });
    // 25 events are 3 pages of 10, 9 events one.
    expect([first.requests, second.requests, client.requests, client.ok]).toEqual([4, 4, 8, 8]);
    expect(logged).toBe(client.requests);
    // What it read is what it needs to notice a change: every event of the window.
    expect([...(second.seen.get(users[0]!) ?? [])].sort()).toEqual([...firstUserEvents].sort());
    expect(second.seen.get(users[1]!)?.size).toBe(9);
  });

  it('the notified reader GETs the event of every notification it receives', async () => {
    const reader = await startNaiveNotifiedReader(sim, [users[1]!]);
    try {
      sim.requests.reset();
      addEvents(users[1]!, 6);
      await sim.flushNotifications();
      await reader.idle();
      // The notifications name `Users/{id}/Events/{id}`, which the reader GETs as given.
      const logged = sim.requests.count({ method: 'GET', pathIncludes: '/Events/' });
      expect([reader.notifications, reader.client.requests, reader.client.ok]).toEqual([6, 6, 6]);
      expect(logged).toBe(6);
    } finally {
      await reader.stop();
    }
  });
});
