import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

/** Adding and removing mailboxes through the management API, against the simulator's directory. */
describe('users of an integration', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const DAVE = { id: 'da7e0000-0000-4000-8000-000000000004', userPrincipalName: 'dave@contoso.example' };
  const usersPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users`;

  beforeAll(async () => {
    host.simulator.addUser(DEMO_TENANT.id, {
      ...DAVE,
      displayName: 'Dave Dahl',
      timeZone: 'Europe/Helsinki',
    });
    host.simulator.addUser(DEMO_TENANT.id, {
      id: '5a1e0000-0000-4000-8000-000000000005',
      userPrincipalName: 'sales@contoso.example',
      mailboxPurpose: 'shared',
    });
    host.simulator.addUser(DEMO_TENANT.id, {
      id: '0f0f0000-0000-4000-8000-000000000006',
      userPrincipalName: 'boardroom@contoso.example',
      mailboxPurpose: 'room',
    });
    await settle(host);
  });

  it('refuses an unknown address with a clear message', async () => {
    const answer = await manage('POST', usersPath, { body: { email: 'nobody@contoso.example' } });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'no user with the address nobody@contoso.example in the tenant' });
  });

  it.each([
    ['sales@contoso.example', 'shared'],
    ['boardroom@contoso.example', 'room'],
  ])('refuses %s: a %s mailbox is not a person', async (email, purpose) => {
    const answer = await manage('POST', usersPath, { body: { email } });
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toBe(
      `${email} is a ${purpose} mailbox, not a person’s mailbox`.replace('’', "'"),
    );
  });

  it('adds a mailbox: subscription, first sync, its own time zone', async () => {
    const answer = await manage('POST', usersPath, { body: { email: DAVE.userPrincipalName } });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      id: DAVE.id,
      email: DAVE.userPrincipalName,
      status: 'neverSynced',
      timeZone: 'Europe/Helsinki',
    });
    await settle(host);
    const list = (await manage('GET', usersPath)).json as Array<{
      id: string;
      status: string;
      lastSyncAt?: string;
    }>;
    expect(list).toHaveLength(4);
    expect(list.find((u) => u.id === DAVE.id)).toMatchObject({
      status: 'ok',
      lastSyncAt: expect.any(String),
    });
    expect(host.simulator.listSubscriptions().some((s) => s.resource.includes(DAVE.id))).toBe(true);
  });

  it('removing a user leaves no row and no subscription behind, and withdraws its absences from the PBX', async () => {
    const graph = await graphAs(host);
    const slot = hourFromNow(3);
    await graph.call('POST', `/users/${DAVE.userPrincipalName}/events`, {
      subject: 's',
      showAs: 'busy',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    const upsert = host.sink!.received.at(-1)?.event;
    expect(upsert).toMatchObject({ type: 'absence.upserted', data: { user: { id: DAVE.id } } });
    const user = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, DAVE.id))?.value;
    expect(user?.subscriptionId).toBeDefined();

    expect((await manage('DELETE', `${usersPath}/${DAVE.id}`)).status).toBe(204);
    await settle(host);

    expect(await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, DAVE.id)).toBeUndefined();
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, DAVE.id)).toEqual([]);
    expect(await host.runtime.repos.subscriptions.get(user!.subscriptionId!)).toBeUndefined();
    expect((await host.runtime.repos.subscriptions.list()).some((s) => s.userId === DAVE.id)).toBe(false);
    expect(host.simulator.listSubscriptions().some((s) => s.resource.includes(DAVE.id))).toBe(false);
    const last = host.sink!.received.at(-1)?.event;
    expect(last).toMatchObject({ type: 'absence.deleted', data: { user: { id: DAVE.id } } });
    expect(host.sink!.state().size).toBe(0);
    // Told away-next before, the PBX now holds the removed user as available, with nothing ahead.
    expect(host.sink!.statusOf(DAVE.id)).toMatchObject({
      current: { status: 'available', until: null },
      next: null,
    });
    expect((await manage('DELETE', `${usersPath}/${DAVE.id}`)).status).toBe(404);
  });

  it('keeps addresses pending until consent for a new integration, and can withdraw them', async () => {
    expect(
      (
        await manage('POST', 'manage/integrations', {
          body: { id: 'later', name: 'Later AB', pbxUrl: 'https://pbx.example/hook' },
        })
      ).status,
    ).toBe(201);
    const added = await manage('POST', 'manage/integrations/later/users', {
      body: { email: 'Erin@Contoso.example' },
    });
    expect(added.status).toBe(202);
    expect((await manage('GET', 'manage/integrations/later/users')).json).toEqual([
      { email: 'erin@contoso.example', status: 'pendingConsent' },
    ]);
    expect((await manage('DELETE', 'manage/integrations/later/users/erin@contoso.example')).status).toBe(204);
    expect((await manage('GET', 'manage/integrations/later/users')).json).toEqual([]);
    expect((await manage('DELETE', 'manage/integrations/later')).status).toBe(204);
    expect((await manage('GET', 'manage/integrations/later')).status).toBe(404);
  });
});
