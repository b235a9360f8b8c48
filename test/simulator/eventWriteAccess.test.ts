// The simulator's app-owned event writes (booking): the RBAC for Applications
// write scope with its propagation delay, granting writes without any Entra
// ID write consent (the least-privileged setup), inside `$batch` too; a
// tenant-wide Calendars.ReadWrite consent adding up with it; transactionId;
// and the change notifications writes send.

import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { type NotificationReceiver, startNotificationReceiver } from './notificationReceiver';
import { accessToken, graphClient, TENANT } from './simulatorClient';

const MINUTE = 60_000;
const OWNER_TENANT = { id: 'tenant-owner', clientId: 'owner-app', clientSecret: 'owner-secret' };

const appointment = (transactionId?: string) => ({
  subject: 'Visit',
  body: { contentType: 'text', content: 'Bring the spare part.' },
  location: { displayName: 'Main street 1' },
  start: { dateTime: '2026-12-07T10:00:00', timeZone: 'W. Europe Standard Time' },
  end: { dateTime: '2026-12-07T11:00:00', timeZone: 'W. Europe Standard Time' },
  ...(transactionId ? { transactionId } : {}),
});

describe('graph simulator: event writes as the app', () => {
  let sim: GraphSimulator;
  let receiver: NotificationReceiver;
  const client = async () => graphClient(sim, await accessToken(sim));
  const statusOf = async (write: () => Promise<unknown>) => {
    try {
      await write();
      return 'written';
    } catch (error) {
      if (error instanceof GraphError) return { status: error.statusCode, code: error.code };
      throw error;
    }
  };
  const eventsIn = async (userId: string) => {
    const page = (await (
      await client()
    )
      .api(`/users/${userId}/calendarView/delta`)
      .query({ startDateTime: '2026-12-07T00:00:00Z', endDateTime: '2026-12-08T00:00:00Z' })
      .get()) as { value: Array<{ id: string; subject: string; transactionId: string | null }> };
    return page.value;
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    receiver = await startNotificationReceiver();
    sim.addTenant(TENANT);
    for (const id of ['field-1', 'field-2', 'office']) {
      sim.addUser(TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    }
    sim.setGroup(TENANT.id, { id: 'field', memberIds: ['field-1'] });
    // No write permission in Entra ID: the RBAC assignment on the group is the only write grant.
    await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
    sim.setEventWriteAccess(TENANT.id, { scope: { groupId: 'field', propagationMinutes: 30 } });
  });
  afterAll(async () => {
    await receiver?.close();
    await sim?.stop();
  });

  it('makes one event of two POSTs with the same transactionId, both answered 201 with it', async () => {
    const graph = await client();
    const first = await graph.api('/users/field-1/events').post(appointment('tx-1'));
    const second = await graph.api('/users/field-1/calendar/events').post(appointment('tx-1'));
    const other = await graph.api('/users/field-1/events').post(appointment('tx-2'));

    expect(second.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(first).toMatchObject({
      transactionId: 'tx-1',
      location: { displayName: 'Main street 1' },
      body: { contentType: 'text', content: 'Bring the spare part.' },
    });
    const posts = sim.requests
      .log()
      .filter((entry) => entry.method === 'POST' && entry.path.includes('/events'));
    expect(posts.map((entry) => entry.status)).toEqual([201, 201, 201]);
    const ids = (await eventsIn('field-1')).map((event) => event.id);
    expect(ids.filter((id) => id === first.id)).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  it('refuses POST, PATCH and DELETE outside the write scope before writing, also inside $batch', async () => {
    const existing = sim.createEvent('office', appointment());
    const graph = await client();
    const denied = { status: 403, code: 'ErrorAccessDenied' };

    expect(await statusOf(() => graph.api('/users/office/events').post(appointment('tx-3')))).toEqual(denied);
    expect(
      await statusOf(() => graph.api(`/users/office/events/${existing.id}`).patch({ subject: 'Changed' })),
    ).toEqual(denied);
    expect(await statusOf(() => graph.api(`/users/office/events/${existing.id}`).delete())).toEqual(denied);
    const batch = await graph.api('/$batch').post({
      requests: [
        {
          id: '1',
          method: 'POST',
          url: '/users/office/events',
          body: appointment('tx-4'),
          headers: { 'Content-Type': 'application/json' },
        },
      ],
    });
    expect(batch.responses[0]).toMatchObject({ status: 403, body: { error: { code: 'ErrorAccessDenied' } } });

    // Reads stay open: the read scope is not set, only the write scope.
    expect((await eventsIn('office')).map((event) => [event.id, event.subject])).toEqual([
      [existing.id, 'Visit'],
    ]);
  });

  it('lets a new member of the group be written only after the propagation delay', async () => {
    sim.setGroup(TENANT.id, { id: 'field', memberIds: ['field-1', 'field-2'] });
    const graph = await client();
    sim.clock.advance(29 * MINUTE);
    expect(await statusOf(() => graph.api('/users/field-2/events').post(appointment('tx-5')))).toEqual({
      status: 403,
      code: 'ErrorAccessDenied',
    });
    expect(await eventsIn('field-2')).toEqual([]);
    sim.clock.advance(2 * MINUTE);
    expect(await statusOf(() => graph.api('/users/field-2/events').post(appointment('tx-5')))).toBe(
      'written',
    );
  });

  it('sends change notifications for the writes it accepts', async () => {
    const graph = await client();
    const subscription = await graph.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      resource: '/users/field-1/events',
      notificationUrl: receiver.url,
      expirationDateTime: new Date(sim.clock.now().getTime() + 60 * MINUTE).toISOString(),
      clientState: 'booking-state',
    });
    const created = await graph.api('/users/field-1/events').post(appointment('tx-6'));
    await graph.api(`/users/field-1/events/${created.id}`).patch({
      start: { dateTime: '2026-12-07T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-07T13:00:00', timeZone: 'UTC' },
    });
    await graph.api(`/users/field-1/events/${created.id}`).delete();

    const notes = await receiver.waitForNotifications(3);
    expect(
      notes.map(
        (note) => (note.body as { value: Array<{ subscriptionId: string; changeType: string }> }).value[0],
      ),
    ).toEqual([
      expect.objectContaining({ subscriptionId: subscription.id, changeType: 'created' }),
      expect.objectContaining({ subscriptionId: subscription.id, changeType: 'updated' }),
      expect.objectContaining({ subscriptionId: subscription.id, changeType: 'deleted' }),
    ]);
  });

  it('needs Calendars.ReadWrite without a write scope, a tenant-wide consent writes past the scope, and a default tenant’s writes stand for the owner', async () => {
    sim.setEventWriteAccess(TENANT.id, {});
    try {
      const readOnly = await client();
      expect(await statusOf(() => readOnly.api('/users/field-1/events').post(appointment('tx-7')))).toEqual({
        status: 403,
        code: 'ErrorAccessDenied',
      });
      // The grants add up: consented tenant-wide, the app writes a mailbox no scope names.
      sim.setEventWriteAccess(TENANT.id, { scope: { groupId: 'field', propagationMinutes: 30 } });
      await sim.setApplicationPermissions(TENANT.id, [...PRODUCT_PERMISSIONS, 'Calendars.ReadWrite']);
      const everywhere = await client();
      expect(await statusOf(() => everywhere.api('/users/office/events').post(appointment('tx-8')))).toBe(
        'written',
      );
    } finally {
      await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
      sim.setEventWriteAccess(TENANT.id, { scope: { groupId: 'field', propagationMinutes: 30 } });
    }

    sim.addTenant(OWNER_TENANT);
    sim.addUser(OWNER_TENANT.id, { id: 'owner-user', userPrincipalName: 'someone@fabrikam.example' });
    const tokenResponse = await fetch(`${sim.authorityHost}/${OWNER_TENANT.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: OWNER_TENANT.clientId,
        client_secret: OWNER_TENANT.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const ownerWrites = graphClient(sim, access_token);
    expect(await statusOf(() => ownerWrites.api('/users/owner-user/events').post(appointment()))).toBe(
      'written',
    );
  });
});
