// The simulator's permission model: a tenant's granted application
// permissions become the `roles` of its tokens, each call needs the role its
// Graph page documents, and removing the permissions (the app kept) still
// yields tokens, without roles, whose every call answers Graph's 403.

import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { type NotificationReceiver, startNotificationReceiver } from './notificationReceiver';
import { accessToken, graphClient, TENANT } from './simulatorClient';

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string | undefined }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GraphError) return { status: error.statusCode, code: error.code ?? undefined };
    throw error;
  }
  throw new Error('the call was not refused');
}

describe('graph simulator: application permissions', () => {
  let sim: GraphSimulator;
  let receiver: NotificationReceiver;
  const window = 'startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-08T00:00:00Z';

  beforeAll(async () => {
    sim = await startGraphSimulator();
    receiver = await startNotificationReceiver();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'user-1', userPrincipalName: 'anna@contoso.example' });
    sim.setGroup(TENANT.id, { id: 'group-1', memberIds: ['user-1'] });
  });
  afterEach(() => sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS));
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it('puts the granted application permissions in the token’s roles claim', async () => {
    const claims = claimsOf(await accessToken(sim));
    expect(claims).toMatchObject({ tid: TENANT.id, appid: TENANT.clientId, idtyp: 'app' });
    expect([...(claims.roles as string[])].sort()).toEqual([...PRODUCT_PERMISSIONS].sort());
  });

  it('still issues tokens once the permissions are removed, without a roles claim', async () => {
    await sim.setApplicationPermissions(TENANT.id, []);
    const claims = claimsOf(await accessToken(sim));
    expect(claims.tid).toBe(TENANT.id);
    expect(claims).not.toHaveProperty('roles');
  });

  it('refuses each call without its documented permission, in Graph’s 403 shapes', async () => {
    await sim.setApplicationPermissions(TENANT.id, []);
    const client = graphClient(sim, await accessToken(sim));
    const exchange = { status: 403, code: 'ErrorAccessDenied' };
    const directory = { status: 403, code: 'Authorization_RequestDenied' };
    expect(await refusal(client.api(`/users/user-1/calendarView/delta?${window}`).get())).toEqual(exchange);
    expect(await refusal(client.api('/users/user-1/mailboxSettings').get())).toEqual(exchange);
    expect(await refusal(client.api('/users/user-1').get())).toEqual(directory);
    expect(await refusal(client.api('/groups/group-1/members').get())).toEqual(directory);
    expect(
      await refusal(
        client.api('/subscriptions').post({
          changeType: 'created,updated,deleted',
          notificationUrl: receiver.url,
          resource: 'users/user-1/events',
          expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      ),
    ).toEqual(exchange);
  });

  it('lets each call through with its own permission only', async () => {
    await sim.setApplicationPermissions(TENANT.id, ['Calendars.ReadBasic.All', 'User.Read.All']);
    const client = graphClient(sim, await accessToken(sim));
    await expect(client.api(`/users/user-1/calendarView/delta?${window}`).get()).resolves.toBeDefined();
    await expect(client.api('/users/user-1').get()).resolves.toMatchObject({ id: 'user-1' });
    // Subscriptions on events take Calendars.Read only, the basic permission is not enough.
    expect(
      await refusal(
        client.api('/subscriptions').post({
          changeType: 'created',
          notificationUrl: receiver.url,
          resource: 'users/user-1/events',
          expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      ),
    ).toEqual({ status: 403, code: 'ErrorAccessDenied' });
    expect(await refusal(client.api('/groups/group-1/members').get())).toMatchObject({ status: 403 });
  });

  it('keeps a token’s roles as issued, and grants again for new tokens', async () => {
    const before = await accessToken(sim);
    await sim.setApplicationPermissions(TENANT.id, []);
    const without = await accessToken(sim);
    await expect(graphClient(sim, before).api('/users/user-1').get()).resolves.toMatchObject({
      id: 'user-1',
    });
    expect(await refusal(graphClient(sim, without).api('/users/user-1').get())).toMatchObject({
      status: 403,
    });
    await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
    await expect(
      graphClient(sim, await accessToken(sim))
        .api('/users/user-1')
        .get(),
    ).resolves.toMatchObject({
      id: 'user-1',
    });
  });

  it('sends reauthorizationRequired to the tenant’s subscriptions when a permission is taken away', async () => {
    const client = graphClient(sim, await accessToken(sim));
    const created = await client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url,
      lifecycleNotificationUrl: receiver.url,
      resource: 'users/user-1/events',
      clientState: 'state',
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const seen = receiver.notifications.length;
    await sim.setApplicationPermissions(TENANT.id, ['User.Read.All']);
    await sim.flushNotifications();
    expect(receiver.notifications.slice(seen).map((n) => n.body)).toEqual([
      {
        value: [
          expect.objectContaining({ subscriptionId: created.id, lifecycleEvent: 'reauthorizationRequired' }),
        ],
      },
    ]);
  });
});
