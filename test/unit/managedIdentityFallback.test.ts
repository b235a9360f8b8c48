// When the managed identity itself gives no token (not assigned to the app,
// endpoint refusing), a configured secret gets the Graph token instead, and
// without one the failure is a TenantAccessError naming the cause; both with
// the real ManagedIdentityCredential against App Service's endpoint (the
// simulator) and the token grant over HTTP.

import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { federatedWithFallback, managedIdentityAssertion } from '../../shared/graph/federatedCredential';
import { httpTokenSource, TenantAccessError } from '../../shared/graph/tokenSource';

const TENANT = {
  id: '4d3c2b1a-0f9e-4d8c-b7a6-f5e4d3c2b1a0',
  clientId: 'fallback-app',
  clientSecret: 'fallback-secret',
};

describe('a managed identity that gives no token', () => {
  let sim: GraphSimulator;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    process.env.IDENTITY_ENDPOINT = sim.managedIdentity.endpoint;
    process.env.IDENTITY_HEADER = sim.managedIdentity.header;
  });
  afterAll(async () => {
    for (const [name, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await sim.stop();
  });

  // No identity with this client id is assigned (the simulator knows none).
  const federated = () =>
    httpTokenSource({
      clientId: TENANT.clientId,
      authorityHost: sim.authorityHost,
      credential: { kind: 'assertion', assertion: managedIdentityAssertion('unassigned-identity') },
    });
  const secret = () =>
    httpTokenSource({
      clientId: TENANT.clientId,
      authorityHost: sim.authorityHost,
      credential: { kind: 'secret', clientSecret: TENANT.clientSecret },
    });

  it('fails as a TenantAccessError that names the managed identity, without a secret', async () => {
    const attempt = federated()(TENANT.id);
    await expect(attempt).rejects.toBeInstanceOf(TenantAccessError);
    await expect(federated()(TENANT.id)).rejects.toMatchObject({ code: 'managed_identity_unavailable' });
  });

  it('falls back to the secret when there is one, and says why', async () => {
    const fallbacks: string[] = [];
    const tokens = federatedWithFallback({
      federated: federated(),
      secret: secret(),
      now: Date.now,
      onFirstFallback: (tenantId, reason) => fallbacks.push(`${tenantId} ${reason}`),
    });
    expect(await tokens(TENANT.id)).toEqual(expect.any(String));
    expect(await tokens(TENANT.id)).toEqual(expect.any(String));
    expect(fallbacks).toEqual([`${TENANT.id} managed_identity_unavailable`]);
  });
});
