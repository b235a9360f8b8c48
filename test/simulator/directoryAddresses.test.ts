import { GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { accessToken, graphClient, TENANT } from './simulatorClient';

/** Users whose address is not their sign-in name, and what their mailbox settings look like. */
describe('graph simulator: addresses, aliases and mailbox settings', () => {
  let sim: GraphSimulator;
  const FREJA = {
    id: 'f0e1a000-0000-4000-8000-000000000001',
    userPrincipalName: 'fnilsson@contoso.example',
    mail: 'freja@contoso.example',
    aliases: ['freja.nilsson@contoso.example'],
  };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addTenant({ id: 'tenant-b', clientId: 'app-client-id', clientSecret: 'other-secret' });
    sim.addUser(TENANT.id, FREJA);
    sim.addUser(TENANT.id, {
      id: 'string-purpose',
      userPrincipalName: 'old@contoso.example',
      timeZone: 'Tokyo Standard Time',
      purposeShape: 'string',
    });
    sim.addUser('tenant-b', {
      id: 'other-tenant',
      userPrincipalName: 'x@fabrikam.example',
      mail: 'freja@contoso.example',
    });
  });
  afterAll(() => sim.stop());

  const client = async () => graphClient(sim, await accessToken(sim));

  it('finds a user by id or UPN, but answers 404 for the primary address or an alias', async () => {
    const graph = await client();
    expect((await graph.api(`/users/${FREJA.userPrincipalName}`).get()).id).toBe(FREJA.id);
    for (const address of [FREJA.mail, FREJA.aliases[0]!]) {
      const error = await graph
        .api(`/users/${address}`)
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphError);
      expect(error).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    }
  });

  it('lists proxyAddresses with SMTP: for the primary address and smtp: for aliases', async () => {
    const user = await (await client()).api(`/users/${FREJA.id}`).get();
    expect(user).toMatchObject({
      mail: FREJA.mail,
      proxyAddresses: [`SMTP:${FREJA.mail}`, `smtp:${FREJA.aliases[0]}`],
    });
  });

  it.each([
    ["mail eq 'FREJA@contoso.example'"],
    ["proxyAddresses/any(p:p eq 'smtp:freja.nilsson@contoso.example')"],
    ["proxyAddresses/any(p:p eq 'smtp:freja@contoso.example')"],
    [
      "mail eq 'freja.nilsson@contoso.example' or proxyAddresses/any(x:x eq 'SMTP:FREJA.NILSSON@contoso.example')",
    ],
  ])('finds the user with $filter=%s, in the caller’s tenant only', async (filter) => {
    const found = await (await client()).api('/users').filter(filter).get();
    expect(found.value.map((u: { id: string }) => u.id)).toEqual([FREJA.id]);
  });

  it('refuses endsWith without the advanced query parameters and answers it with them', async () => {
    const graph = await client();
    const refused = await graph
      .api('/users')
      .filter("proxyAddresses/any(p:endsWith(p,'nilsson@contoso.example'))")
      .get()
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    const answered = await graph
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .count(true)
      .filter("proxyAddresses/any(p:endsWith(p,'nilsson@contoso.example'))")
      .get();
    expect(answered['@odata.count']).toBe(1);
    expect(answered.value[0].id).toBe(FREJA.id);
  });

  it('answers mailbox settings with a Windows zone and the object-shaped userPurpose by default', async () => {
    const graph = await client();
    expect(await graph.api(`/users/${FREJA.id}/mailboxSettings`).get()).toMatchObject({
      timeZone: 'W. Europe Standard Time',
      userPurpose: { value: 'user' },
    });
    expect(await graph.api('/users/string-purpose/mailboxSettings').get()).toMatchObject({
      timeZone: 'Tokyo Standard Time',
      userPurpose: 'user',
    });
  });
});
