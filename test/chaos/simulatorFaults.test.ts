import type { Client } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { type NotificationReceiver, startNotificationReceiver } from '../simulator/notificationReceiver';
import { accessToken, graphClient, TENANT } from '../simulator/simulatorClient';

const USER = 'user-chaos';

/** The simulator's seeded chaos: the chaos test relies on it doing what it says, and replaying from its seed. */
describe('graph simulator: random faults and disordered notifications', () => {
  let sim: GraphSimulator;
  let client: Client;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: USER, userPrincipalName: 'chaos@contoso.example' });
    client = graphClient(sim, await accessToken(sim));
    receiver = await startNotificationReceiver();
    await client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url,
      resource: `users/${USER}/events`,
      expirationDateTime: new Date(sim.clock.now().getTime() + 60 * 60_000).toISOString(),
      clientState: 'chaos-client-state',
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await sim?.stop();
  });
  afterEach(() => sim.faults.clear());

  const createEvents = (count: number) =>
    Array.from({ length: count }, (_, i) => {
      const start = new Date(Date.UTC(2030, 0, 1, i));
      return sim.createEvent(USER, {
        subject: `Chaos ${i}`,
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: {
          dateTime: new Date(start.getTime() + 1_800_000).toISOString().replace('Z', ''),
          timeZone: 'UTC',
        },
      }).id;
    });
  const eventIdsOf = (bodies: readonly { body: unknown }[]) =>
    bodies.map(
      (n) => (n.body as { value: Array<{ resourceData: { id: string } }> }).value[0]!.resourceData.id,
    );

  it('duplicates and reorders change notifications, and loses none it was not told to drop', async () => {
    const before = receiver.notifications.length;
    sim.faults.disorderNotifications({ maxDelayMs: 30, duplicateFraction: 0.5, seed: 3 });
    const ids = createEvents(20);
    await sim.flushNotifications();
    const injected = sim.faults.injected();
    const arrived = eventIdsOf(receiver.notifications.slice(before));

    expect(injected.duplicatedNotifications).toBeGreaterThan(0);
    expect(arrived).toHaveLength(20 + injected.duplicatedNotifications);
    expect(new Set(arrived)).toEqual(new Set(ids));
    // Some overtook others: the order in which they arrived is not the order of the changes.
    const firstArrivals = arrived.filter((id, index) => arrived.indexOf(id) === index);
    expect(firstArrivals).not.toEqual(ids);
  });

  it('answers 429 and 503 at random, the same requests for the same seed', async () => {
    const outcomes = async () => {
      sim.faults.failRequestsAtRandom({ throttleFraction: 0.3, unavailableFraction: 0.2, seed: 11 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push(
          await client
            .api(`/users/${USER}`)
            .get()
            .then(
              () => 200,
              (error: { statusCode?: number }) => error.statusCode ?? 0,
            ),
        );
      }
      return statuses;
    };
    const first = await outcomes();
    const counted = sim.faults.injected();
    expect(first).toContain(429);
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(first.filter((s) => s === 429)).toHaveLength(counted.throttled);
    expect(await outcomes()).toEqual(first);
  });
});
