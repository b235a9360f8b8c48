// Who may be booked, asked of the Graph simulator through the real SDK: the
// booking group's direct members, kept for a few minutes, and a clear reason
// instead of an error when Graph will not list the group.
import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { BOOKING_GROUP_CACHE_MS, bookingGroupMembers } from '../../shared/booking/bookingGroup';
import { accessToken, graphClient, TENANT } from '../simulator/simulatorClient';

describe('the booking group’s members', () => {
  let sim: GraphSimulator;
  let now = Date.parse('2026-12-07T08:00:00Z');
  const clock = () => new Date(now);

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    for (const name of ['erik', 'olle', 'nina']) {
      sim.addUser(TENANT.id, {
        id: name,
        userPrincipalName: `${name}@contoso.example`,
        mail: `${name}@contoso.example`,
      });
    }
    sim.setGroup(TENANT.id, { id: 'field', memberIds: ['erik', 'olle'] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('tells members from others, and reads the group again only once the kept list is old', async () => {
    const members = bookingGroupMembers(sim.url, clock);
    const client = graphClient(sim, await accessToken(sim));
    sim.requests.reset();
    expect(
      await members.lookup('int-1', 'field', client, ['Erik@contoso.example', 'nina@contoso.example']),
    ).toEqual([
      { kind: 'member', mailbox: { userId: 'erik', address: 'Erik@contoso.example' } },
      { kind: 'outsideGroup', address: 'nina@contoso.example' },
    ]);
    sim.setGroup(TENANT.id, { id: 'field', memberIds: ['erik', 'olle', 'nina'] });
    const kept = await members.lookup('int-1', 'field', client, ['nina@contoso.example']);
    expect(kept).toEqual([{ kind: 'outsideGroup', address: 'nina@contoso.example' }]);
    expect(sim.requests.count({ pathIncludes: '/members' })).toBe(1);
    now += BOOKING_GROUP_CACHE_MS;
    expect(await members.lookup('int-1', 'field', client, ['nina@contoso.example'])).toEqual([
      { kind: 'member', mailbox: { userId: 'nina', address: 'nina@contoso.example' } },
    ]);
    expect(sim.requests.count({ pathIncludes: '/members' })).toBe(2);
  });

  it('says which permission is missing when Graph refuses to list the group, and that a deleted group is gone', async () => {
    await sim.setApplicationPermissions(
      TENANT.id,
      PRODUCT_PERMISSIONS.filter((permission) => permission !== 'GroupMember.Read.All'),
    );
    try {
      const refused = await bookingGroupMembers(sim.url, clock).lookup(
        'int-2',
        'field',
        graphClient(sim, await accessToken(sim)),
        ['erik@contoso.example'],
      );
      expect(refused).toEqual({
        kind: 'groupUnreadable',
        reason: expect.stringContaining('GroupMember.Read.All'),
      });
    } finally {
      await sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS);
    }
    const missing = await bookingGroupMembers(sim.url, clock).lookup(
      'int-3',
      'no-such-group',
      graphClient(sim, await accessToken(sim)),
      ['erik@contoso.example'],
    );
    expect(missing).toEqual({ kind: 'groupUnreadable', reason: expect.stringContaining('no longer exists') });
  });
});
