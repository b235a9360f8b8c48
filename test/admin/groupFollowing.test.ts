import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { listGroupMembers } from '../../shared/graph/groups';
import { settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

/** An integration that follows a security group: the maintenance run keeps its users equal to the members. */
describe('group following', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const GROUP = '9a9a9a9a-0000-4000-8000-00000000cafe';
  const [alice, bob, carol] = DEMO_USERS;
  const userIds = async () =>
    (await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)).map((u) => u.id).sort();
  const liveSubscriptionsFor = (userId: string) =>
    host.simulator.listSubscriptions().filter((s) => s.resource.includes(userId)).length;

  beforeAll(() => settle(host));

  it('adds new members and removes those who left, within one maintenance run', async () => {
    const dave = { id: 'da7e0000-0000-4000-8000-000000000004', userPrincipalName: 'dave@contoso.example' };
    host.simulator.addUser(DEMO_TENANT.id, dave);
    host.simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: [alice.id, bob.id, dave.id] });
    const patched = await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, {
      body: { followGroupId: GROUP },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ followGroupId: GROUP });

    await host.runTimer('maintenance');
    await settle(host);
    expect(await userIds()).toEqual([alice.id, bob.id, dave.id].sort());
    expect(await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, carol.id)).toBeUndefined();
    expect(liveSubscriptionsFor(carol.id)).toBe(0);
    // Exactly one subscription each: the run does not create a second one for the new member.
    expect(liveSubscriptionsFor(dave.id)).toBe(1);
    expect((await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, dave.id))?.value.status).toBe('ok');

    // Adding by hand is refused while a group decides.
    const byHand = await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/users`, {
      body: { email: carol.mail },
    });
    expect(byHand.status).toBe(409);

    // A second run with an unchanged group changes nothing.
    host.simulator.requests.reset();
    await host.runTimer('maintenance');
    await settle(host);
    expect(await userIds()).toEqual([alice.id, bob.id, dave.id].sort());
    expect(host.simulator.requests.count({ method: 'POST', pathIncludes: '/subscriptions' })).toBe(0);
  });

  it('stops following with null; the users stay', async () => {
    const patched = await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, {
      body: { followGroupId: null },
    });
    expect(patched.status).toBe(200);
    expect((patched.json as Record<string, unknown>).followGroupId).toBeUndefined();
    host.simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: [] });
    await host.runTimer('maintenance');
    await settle(host);
    expect((await userIds()).length).toBe(3);
  });

  it('reads every page of a large group, users only', async () => {
    const ids = Array.from(
      { length: 1001 },
      (_, i) => `${String(i).padStart(8, '0')}-1111-4000-8000-000000000000`,
    );
    for (const id of ids)
      host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    host.simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: [...ids, 'not-a-user'] });
    host.simulator.requests.reset();
    const client = host.runtime.graphFor({ tenantId: DEMO_TENANT.id });
    const members = await listGroupMembers(client, host.runtime.config.GRAPH_BASE_URL, GROUP);
    expect(members).toHaveLength(1001);
    expect(members[1000]).toEqual({ id: ids[1000], address: `${ids[1000]}@contoso.example` });
    expect(host.simulator.requests.count({ pathIncludes: '/members' })).toBe(2);
  });
});
