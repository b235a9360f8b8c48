import { GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { accessToken, graphClient, TENANT } from './simulatorClient';

const MINUTE = 60_000;

/** RBAC for Applications: a management scope over a group's members, with Exchange's propagation delay. */
describe('graph simulator: mailbox scope', () => {
  let sim: GraphSimulator;
  const GROUP = 'scope-group';

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: 'inside', userPrincipalName: 'in@contoso.example' });
    sim.addUser(TENANT.id, { id: 'outside', userPrincipalName: 'out@contoso.example' });
    sim.setGroup(TENANT.id, { id: GROUP, memberIds: ['inside'] });
    sim.setMailboxScope(TENANT.id, { groupId: GROUP, propagationMinutes: 60 });
  });
  afterAll(() => sim.stop());

  const statusOf = async (read: () => Promise<unknown>) => {
    try {
      await read();
      return 200;
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      return { status: error.statusCode, code: error.code };
    }
  };
  const reads = async (userId: string) => {
    const client = graphClient(sim, await accessToken(sim));
    return [
      await statusOf(() => client.api(`/users/${userId}/mailboxSettings`).get()),
      await statusOf(() =>
        client
          .api(`/users/${userId}/calendarView/delta`)
          .query({ startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2026-02-01T00:00:00Z' })
          .get(),
      ),
      await statusOf(() => client.api(`/users/${userId}/events/nope`).get()),
      await statusOf(() =>
        client.api('/subscriptions').post({
          changeType: 'created,updated,deleted',
          resource: `/users/${userId}/events`,
          // Refused before Graph would validate the URL, so none is needed here.
          notificationUrl: 'http://127.0.0.1:9/none',
          expirationDateTime: new Date(sim.clock.now().getTime() + 60 * MINUTE).toISOString(),
          clientState: 'x',
        }),
      ),
    ];
  };
  const denied = { status: 403, code: 'ErrorAccessDenied' };

  it('answers 403 ErrorAccessDenied for every read of a mailbox outside the scope', async () => {
    expect(await reads('outside')).toEqual([denied, denied, denied, denied]);
    const inside = await reads('inside');
    expect(inside[0]).toBe(200);
    expect(inside[1]).toBe(200);
    expect(inside[2]).toMatchObject({ status: 404 });
  });

  it('lets a member change reach the scope only after the propagation delay', async () => {
    sim.setGroup(TENANT.id, { id: GROUP, memberIds: ['inside', 'outside'] });
    sim.clock.advance(59 * MINUTE);
    expect((await reads('outside'))[0]).toEqual(denied);
    sim.clock.advance(2 * MINUTE);
    expect((await reads('outside'))[0]).toBe(200);
  });
});
