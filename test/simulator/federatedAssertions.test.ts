// The simulator's workload identity federation is as strict as Entra's: App
// Service's managed-identity endpoint wants its secret header and a known
// identity, and the token endpoint takes a managed identity's token as the
// app's client assertion only when a federated credential on the app matches
// its issuer, subject and audience, answering each mismatch with Entra's code.

import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { TENANT } from './simulatorClient';

const IDENTITY = {
  clientId: '3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9',
  objectId: '8d7c6b5a-4f3e-4d2c-b1a0-9f8e7d6c5b4a',
  tenantId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
};
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('graph simulator: managed identity as a federated credential', () => {
  let sim: GraphSimulator;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addManagedIdentity(IDENTITY);
  });
  afterAll(() => sim.stop());
  afterEach(() => sim.removeFederatedCredentials(TENANT.clientId));

  const identityToken = async (
    options: { resource?: string; clientId?: string; header?: string | null } = {},
  ): Promise<Response> => {
    const url = new URL(sim.managedIdentity.endpoint);
    url.searchParams.set('api-version', '2019-08-01');
    url.searchParams.set('resource', options.resource ?? 'api://AzureADTokenExchange');
    url.searchParams.set('client_id', options.clientId ?? IDENTITY.clientId);
    const header = options.header === undefined ? sim.managedIdentity.header : options.header;
    return fetch(url, { headers: header === null ? {} : { 'x-identity-header': header } });
  };
  const assertion = async (resource?: string) => {
    const response = await identityToken(resource ? { resource } : {});
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const exchange = async (fields: Record<string, string>) => {
    const response = await fetch(`${sim.authorityHost}/${TENANT.id}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: TENANT.clientId,
        scope: 'https://graph.microsoft.com/.default',
        ...fields,
      }),
    });
    const body = (await response.json()) as { error_codes?: number[]; access_token?: string };
    return { status: response.status, code: body.error_codes?.[0], token: body.access_token };
  };
  const trust = (overrides: Partial<{ issuer: string; subject: string; audiences: string[] }> = {}) =>
    sim.addFederatedCredential(TENANT.clientId, {
      name: 'msi',
      issuer: `https://login.microsoftonline.com/${IDENTITY.tenantId}/v2.0`,
      subject: IDENTITY.objectId,
      audiences: ['api://AzureADTokenExchange'],
      ...overrides,
    });

  it('hands out identity tokens only with the platform header, for a known identity', async () => {
    expect((await identityToken({ header: null })).status).toBe(401);
    expect((await identityToken({ header: 'guess' })).status).toBe(401);
    expect((await identityToken({ clientId: 'someone-else' })).status).toBe(400);
    const answer = (await (await identityToken()).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ token_type: 'Bearer', client_id: IDENTITY.clientId });
    expect(Number(answer.expires_on)).toBeGreaterThan(Date.now() / 1000);
  });

  it('exchanges the identity token for a Graph token when the app trusts the identity', async () => {
    trust();
    const answer = await exchange({ client_assertion_type: JWT_BEARER, client_assertion: await assertion() });
    expect(answer).toMatchObject({ status: 200, token: expect.any(String) });
  });

  it.each([
    ['no federated credential on the app', 70021, undefined],
    ['another issuer', 700211, { issuer: 'https://login.microsoftonline.com/another-tenant/v2.0' }],
    ['another subject', 700213, { subject: '00000000-0000-4000-8000-000000000000' }],
    ['another audience', 700212, { audiences: ['api://SomethingElse'] }],
  ])('refuses the exchange with %s (AADSTS%s)', async (_case, code, registered) => {
    if (registered) trust(registered);
    const answer = await exchange({ client_assertion_type: JWT_BEARER, client_assertion: await assertion() });
    expect(answer).toEqual({ status: 400, code, token: undefined });
  });

  it('refuses a token it did not sign, or one for another audience', async () => {
    trust();
    const [header, payload] = (await assertion()).split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await exchange({ client_assertion_type: JWT_BEARER, client_assertion: forged })).code).toBe(
      50013,
    );
    const other = await assertion('https://vault.azure.net');
    expect((await exchange({ client_assertion_type: JWT_BEARER, client_assertion: other })).code).toBe(
      700212,
    );
  });

  it('wants a secret or a jwt-bearer assertion, as Entra does', async () => {
    trust();
    expect((await exchange({})).code).toBe(7000218);
    expect(
      (await exchange({ client_assertion_type: 'password', client_assertion: await assertion() })).code,
    ).toBe(50027);
    expect((await exchange({ client_secret: TENANT.clientSecret })).status).toBe(200);
  });
});
