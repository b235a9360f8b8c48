import { type Client, GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { type NotificationReceiver, startNotificationReceiver } from './notificationReceiver';
import { accessToken, graphClient, TENANT } from './simulatorClient';

const USER = 'user-s';
const MAX_MINUTES = 4230;

describe('graph simulator: subscriptions, notifications, $batch and faults', () => {
  let sim: GraphSimulator;
  let client: Client;
  let receiver: NotificationReceiver;
  let token: string;

  const subscribe = (overrides: Record<string, unknown> = {}) =>
    client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiver.url}?integration=i-1`,
      lifecycleNotificationUrl: `${receiver.url}?lifecycle=1`,
      resource: `users/${USER}/events`,
      expirationDateTime: new Date(sim.clock.now().getTime() + 60 * 60_000).toISOString(),
      clientState: 'secret-client-state',
      ...overrides,
    });

  beforeAll(async () => {
    sim = await startGraphSimulator({ maxSubscriptionMinutes: MAX_MINUTES });
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: USER, userPrincipalName: 'sam@contoso.example' });
    token = await accessToken(sim);
    client = graphClient(sim, token);
  });
  beforeEach(async () => {
    receiver = await startNotificationReceiver();
  });
  afterEach(async () => {
    await sim.flushNotifications();
    for (const s of sim.listSubscriptions()) sim.deleteSubscriptionSilently(s.id);
    sim.faults.clear();
    await receiver.close();
  });
  afterAll(() => sim.stop());

  it('validates both URLs with the handshake before creating, and keeps their query strings', async () => {
    const created = await subscribe();
    expect(receiver.validations).toHaveLength(2);
    for (const validation of receiver.validations) {
      expect(validation.token).toMatch(/^Validation: Testing client application reachability/);
      expect(validation.contentType).toMatch(/^text\/plain/);
    }
    expect(receiver.validations[0]?.query).toContain('integration=i-1');
    expect(created).toMatchObject({
      id: expect.any(String),
      resource: `users/${USER}/events`,
      changeType: 'created,updated,deleted',
      clientState: 'secret-client-state',
      notificationUrl: `${receiver.url}?integration=i-1`,
      applicationId: TENANT.clientId,
    });
    expect(sim.listSubscriptions().map((s) => s.id)).toEqual([created.id]);
  });

  it.each([
    ['answers with another text', 'wrongToken' as const],
    ['answers 500', 'status500' as const],
  ])('refuses to create a subscription when the receiver %s', async (_, mode) => {
    receiver.mode = mode;
    const error = await subscribe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ statusCode: 400, code: 'ValidationError' });
    expect(sim.listSubscriptions()).toEqual([]);
  });

  it('refuses an expiration past the maximum, renews with PATCH, rejects the past and expires on the clock', async () => {
    const tooLong = new Date(sim.clock.now().getTime() + (MAX_MINUTES + 1) * 60_000).toISOString();
    const refused = await subscribe({ expirationDateTime: tooLong }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      statusCode: 400,
      code: 'ExtensionError',
      message: `Subscription expiration can only be ${MAX_MINUTES} minutes in the future.`,
    });
    expect(sim.listSubscriptions()).toEqual([]);
    const atMost = new Date(sim.clock.now().getTime() + MAX_MINUTES * 60_000 - 1_000);
    const created = await subscribe({ expirationDateTime: atMost.toISOString() });
    const granted = Date.parse(created.expirationDateTime);
    expect(granted).toBe(atMost.getTime());
    const longerRenewal = await client
      .api(`/subscriptions/${created.id}`)
      .patch({ expirationDateTime: tooLong })
      .catch((e: unknown) => e);
    expect(longerRenewal).toMatchObject({ statusCode: 400, code: 'ExtensionError' });

    const past = await subscribe({ expirationDateTime: '2001-01-01T00:00:00Z' }).catch((e: unknown) => e);
    expect(past).toMatchObject({ statusCode: 400 });

    const renewed = await client
      .api(`/subscriptions/${created.id}`)
      .patch({ expirationDateTime: new Date(sim.clock.now().getTime() + 30 * 60_000).toISOString() });
    expect(Date.parse(renewed.expirationDateTime)).toBeLessThan(granted);
    await client.api(`/subscriptions/${created.id}/reauthorize`).post({});

    sim.clock.advance(31 * 60_000);
    const expired = await client
      .api(`/subscriptions/${created.id}`)
      .get()
      .catch((e: unknown) => e);
    expect(expired).toMatchObject({ statusCode: 404 });
    expect((await client.api('/subscriptions').get()).value).toEqual([]);
  });

  it('sends change notifications in Graph shape after the write, only for subscribed change types', async () => {
    const subscription = await subscribe({ changeType: 'created,deleted' });
    const event = sim.createEvent(USER, {
      subject: 'Private appointment',
      start: { dateTime: '2026-12-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-01T11:00:00', timeZone: 'UTC' },
    });
    sim.updateEvent(USER, event.id, { subject: 'ignored: not subscribed to updates' });
    await client.api(`/users/${USER}/events/${event.id}`).delete();

    const [created, deleted] = await receiver.waitForNotifications(2);
    expect(created?.query).toBe('?integration=i-1');
    expect(created?.body).toEqual({
      value: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          changeType: 'created',
          resource: `Users/${USER}/Events/${event.id}`,
          resourceData: {
            '@odata.type': '#Microsoft.Graph.Event',
            '@odata.id': `Users/${USER}/Events/${event.id}`,
            '@odata.etag': event['@odata.etag'],
            id: event.id,
          },
          clientState: 'secret-client-state',
          tenantId: TENANT.id,
        },
      ],
    });
    expect(deleted?.body).toMatchObject({
      value: [{ changeType: 'deleted', resourceData: { id: event.id } }],
    });
    await sim.flushNotifications();
    expect(receiver.notifications).toHaveLength(2);
  });

  it('stops notifying a subscription that Graph lost and sends lifecycle notifications', async () => {
    const kept = await subscribe();
    const lost = await subscribe();
    sim.deleteSubscriptionSilently(lost.id);
    sim.createEvent(USER, {
      start: { dateTime: '2026-12-02T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-02T11:00:00', timeZone: 'UTC' },
    });
    await sim.flushNotifications();
    expect(
      receiver.notifications.map(
        (n) => (n.body as { value: Array<{ subscriptionId: string }> }).value[0]?.subscriptionId,
      ),
    ).toEqual([kept.id]);

    await sim.sendLifecycleNotification(kept.id, 'reauthorizationRequired');
    const lifecycle = receiver.notifications[1];
    expect(lifecycle?.query).toBe('?lifecycle=1');
    expect(lifecycle?.body).toEqual({
      value: [
        {
          subscriptionId: kept.id,
          subscriptionExpirationDateTime: kept.expirationDateTime,
          tenantId: TENANT.id,
          clientState: 'secret-client-state',
          lifecycleEvent: 'reauthorizationRequired',
        },
      ],
    });
  });

  it('drops the asked fraction of notifications, the same ones for the same seed', async () => {
    await subscribe();
    const arrivedOutOf10 = async (prefix: string) => {
      sim.faults.dropNotificationFraction(0.5, 42);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        ids.push(
          sim.createEvent(USER, {
            subject: `${prefix}${i}`,
            start: { dateTime: '2026-12-03T10:00:00', timeZone: 'UTC' },
            end: { dateTime: '2026-12-03T11:00:00', timeZone: 'UTC' },
          }).id,
        );
      }
      await sim.flushNotifications();
      const arrived = new Set(
        receiver.notifications.map(
          (n) => (n.body as { value: Array<{ resourceData: { id: string } }> }).value[0]?.resourceData.id,
        ),
      );
      return ids.map((id) => arrived.has(id));
    };
    const first = await arrivedOutOf10('a');
    const second = await arrivedOutOf10('b');
    const delivered = first.filter(Boolean).length;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(10);
    expect(sim.faults.droppedNotifications()).toBe(20 - receiver.notifications.length);
    expect(second).toEqual(first);
  });

  it('answers a $batch item by item, including a 404 item', async () => {
    const created = await subscribe();
    const response = await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/subscriptions/${created.id}` },
        { id: '2', method: 'GET', url: '/subscriptions/00000000-0000-0000-0000-000000000000' },
        { id: '3', method: 'GET', url: `/users/${USER}` },
      ],
    });
    const byId = new Map(
      (response.responses as Array<{ id: string; status: number; body: Record<string, unknown> }>).map(
        (r) => [r.id, r],
      ),
    );
    expect(byId.get('1')).toMatchObject({ status: 200, body: { id: created.id } });
    expect(byId.get('2')).toMatchObject({ status: 404, body: { error: { code: 'ResourceNotFound' } } });
    expect(byId.get('3')).toMatchObject({ status: 200, body: { id: USER } });

    const tooMany = await client
      .api('/$batch')
      .post({
        requests: Array.from({ length: 21 }, (_, i) => ({
          id: `${i}`,
          method: 'GET',
          url: `/users/${USER}`,
        })),
      })
      .catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ statusCode: 400 });
  });

  it('throttles the next matching requests with 429 and Retry-After, in and outside a batch', async () => {
    sim.faults.throttleNext(2, { retryAfterSeconds: 7, pathIncludes: `/users/${USER}` });
    const direct = await fetch(`${sim.graphBaseUrl}/users/${USER}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(direct.status).toBe(429);
    expect(direct.headers.get('retry-after')).toBe('7');
    expect(await direct.json()).toMatchObject({ error: { code: 'ApplicationThrottled' } });

    const batch = await client.api('/$batch').post({
      requests: [
        { id: 'a', method: 'GET', url: `/users/${USER}` },
        { id: 'b', method: 'GET', url: `/users/${USER}` },
      ],
    });
    const statuses = (
      batch.responses as Array<{ id: string; status: number; headers: Record<string, string> }>
    ).map((r) => [r.id, r.status, r.headers['Retry-After']]);
    expect(statuses).toEqual([
      ['a', 429, '7'],
      ['b', 200, undefined],
    ]);
  });

  it('lets the SDK retry handler recover from 429 and 503', async () => {
    sim.faults.throttleNext(1, { retryAfterSeconds: 0, pathIncludes: `/users/${USER}` });
    sim.faults.unavailableNext(1, { retryAfterSeconds: 0, pathIncludes: `/users/${USER}` });
    sim.requests.reset();
    const user = await graphClient(sim, token, { retry: true }).api(`/users/${USER}`).get();
    expect(user.id).toBe(USER);
    expect(sim.requests.log().map((r) => r.status)).toEqual([429, 503, 200]);
  });
});
