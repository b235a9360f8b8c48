import { GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { accessToken, graphClient, requestToken, TENANT } from './simulatorClient';

describe('graph simulator: tokens and users', () => {
  let sim: GraphSimulator;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addTenant({ id: 'tenant-b', clientId: 'app-client-id', clientSecret: 'other-secret' });
    sim.addUser(TENANT.id, { id: 'user-1', userPrincipalName: 'anna@contoso.example', displayName: 'Anna' });
    sim.addUser('tenant-b', { id: 'user-b', userPrincipalName: 'bo@fabrikam.example' });
  });
  afterAll(() => sim.stop());

  it('issues a bearer token for the right client secret', async () => {
    const response = await requestToken(sim);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(body.access_token).toEqual(expect.any(String));
  });

  it('refuses a wrong secret with invalid_client / AADSTS7000215', async () => {
    const response = await requestToken(sim, { clientSecret: 'wrong' });
    expect(response.status).toBe(401);
    const body = (await response.json()) as {
      error: string;
      error_description: string;
      error_codes: number[];
    };
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(body.error_description).toMatch(/^AADSTS7000215:/);
  });

  it('refuses an unknown tenant with invalid_request / AADSTS90002', async () => {
    const response = await requestToken(sim, { tenantId: 'no-such-tenant' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });

  it('refuses new tokens once consent is revoked, while tokens already issued keep working', async () => {
    const earlier = await accessToken(sim);
    sim.setConsent(TENANT.id, false);
    try {
      const response = await requestToken(sim);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000229] });
      const user = await graphClient(sim, earlier).api('/users/user-1').get();
      expect(user.id).toBe('user-1');
    } finally {
      sim.setConsent(TENANT.id, true);
    }
  });

  it('finds a user by id and by user principal name through the Graph SDK', async () => {
    const client = graphClient(sim, await accessToken(sim));
    const byId = await client.api('/users/user-1').get();
    const byUpn = await client.api('/users/anna@contoso.example').get();
    expect(byId).toMatchObject({
      id: 'user-1',
      userPrincipalName: 'anna@contoso.example',
      mail: 'anna@contoso.example',
      displayName: 'Anna',
    });
    expect(byUpn.id).toBe('user-1');
    const settings = await client.api('/users/user-1/mailboxSettings').get();
    expect(settings.timeZone).toBe('W. Europe Standard Time');
  });

  it('answers 404 Request_ResourceNotFound for unknown users and users of another tenant', async () => {
    const client = graphClient(sim, await accessToken(sim));
    for (const id of ['nobody', 'user-b']) {
      const error = await client
        .api(`/users/${id}`)
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphError);
      expect(error).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    }
  });

  it('requires a bearer token on Graph routes', async () => {
    const missing = await fetch(`${sim.graphBaseUrl}/users/user-1`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    const forged = await fetch(`${sim.graphBaseUrl}/users/user-1`, {
      headers: { authorization: 'Bearer forged' },
    });
    expect(forged.status).toBe(401);
  });
});
