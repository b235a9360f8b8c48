// Tables, Service Bus and Key Vault are reached in Azure with the
// user-assigned managed identity and only with it: the real
// ManagedIdentityCredential against App Service's managed-identity endpoint
// (served by the Graph simulator). An identity that gives no token fails as
// the managed identity's failure, with no other credential (a CLI login,
// environment secrets) tried in its place, as DefaultAzureCredential would.

import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { azureResourceCredential } from '../../shared/runtime';

const IDENTITY = {
  clientId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  objectId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
  tenantId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
};

describe('the credential for Azure resources', () => {
  let simulator: GraphSimulator;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    simulator = await startGraphSimulator();
    simulator.addManagedIdentity(IDENTITY);
    process.env.IDENTITY_ENDPOINT = simulator.managedIdentity.endpoint;
    process.env.IDENTITY_HEADER = simulator.managedIdentity.header;
  });

  afterAll(async () => {
    for (const [name, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await simulator.stop();
  });

  const claimsOf = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

  it('is the user-assigned identity named by AZURE_CLIENT_ID', async () => {
    const token = await azureResourceCredential({ AZURE_CLIENT_ID: IDENTITY.clientId }).getToken(
      'https://storage.azure.com/.default',
    );
    expect(claimsOf(token?.token ?? '')).toMatchObject({
      sub: IDENTITY.objectId,
      aud: 'https://storage.azure.com',
    });
    expect(simulator.managedIdentity.tokensIssued()).toBe(1);
  });

  it('fails as the managed identity, trying nothing else, when the identity gives no token', async () => {
    const attempt = azureResourceCredential({ AZURE_CLIENT_ID: 'not-assigned-to-this-app' }).getToken(
      'https://vault.azure.net/.default',
    );
    await expect(attempt).rejects.toMatchObject({
      name: 'CredentialUnavailableError',
      message: expect.stringMatching(/^ManagedIdentityCredential/),
    });
  });
});
