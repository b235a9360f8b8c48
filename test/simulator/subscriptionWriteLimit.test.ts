import { type Client, GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { type NotificationReceiver, startNotificationReceiver } from './notificationReceiver';
import { accessToken, graphClient, TENANT } from './simulatorClient';

// Graph caps subscription writes per app per tenant
// (https://learn.microsoft.com/graph/throttling-limits#subscription-service-limits);
// the simulator refuses the write past the cap with 429 and Retry-After.
describe('graph simulator: the subscription write limit', () => {
  const LIMIT = { writes: 5, windowSeconds: 20 };
  let sim: GraphSimulator;
  let client: Client;
  let receiver: NotificationReceiver;

  const subscribe = () =>
    client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url,
      resource: 'users/user-w/events',
      expirationDateTime: new Date(sim.clock.now().getTime() + 60 * 60_000).toISOString(),
      clientState: 'state',
    }) as Promise<{ id: string }>;

  beforeAll(async () => {
    sim = await startGraphSimulator({ subscriptionWriteLimit: LIMIT });
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'user-w', userPrincipalName: 'w@contoso.example' });
    client = graphClient(sim, await accessToken(sim));
    receiver = await startNotificationReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await sim.stop();
  });

  it('refuses writes past the cap with 429 and the wait until the window has room, reads stay free', async () => {
    const created = [];
    for (let i = 0; i < LIMIT.writes; i++) created.push(await subscribe());
    sim.clock.advance(5_000);
    const refused = await subscribe().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GraphError);
    expect(refused).toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
    expect((refused as GraphError).headers?.get('Retry-After')).toBe('15');
    // Reads are not writes.
    await expect(client.api('/subscriptions').get()).resolves.toMatchObject({ value: expect.any(Array) });

    // Items of a $batch count one by one, and a renewal is a write.
    const first = created[0] as { id: string };
    const batch = (await client.api('/$batch').post({
      requests: [{ id: '1', method: 'PATCH', url: `/subscriptions/${first.id}`, body: {} }],
    })) as { responses: { status: number; headers: Record<string, string> }[] };
    expect(batch.responses[0]).toMatchObject({ status: 429, headers: { 'Retry-After': '15' } });

    sim.clock.advance(15_000);
    await expect(subscribe()).resolves.toMatchObject({ id: expect.any(String) });
    expect(sim.subscriptionWrites()).toEqual({
      accepted: LIMIT.writes + 1,
      refused: 2,
      peakInWindow: LIMIT.writes,
    });
  });
});
