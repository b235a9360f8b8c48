// The federated credential and the secret both configured, as while moving
// off the secret: when Entra finds no federated credential matching the
// managed identity (AADSTS70021), the secret serves, the operator is told once
// and never shown the secret or the assertion; once the credential is
// registered again the federated path takes over by itself.

import { DEMO_INTEGRATION_ID, DEMO_MANAGED_IDENTITY, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

const FALLBACK_WARNING = 'the federated credential was refused, the client secret is used instead';

describe('the secret as the fallback of the federated credential', () => {
  const host = useTestHost({ graphCredential: 'federatedAndSecret' });
  const warnings = () => host.logs.filter((line) => line.includes(FALLBACK_WARNING));
  const tokenAnswers = (status: number) =>
    host.simulator.requests
      .log()
      .filter((r) => r.method === 'POST' && r.path.includes('/oauth2/v2.0/token') && r.status === status);
  const users = () => host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
  const resyncAll = async () => {
    const answer = await managementClient(host)('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`);
    expect(answer.status).toBe(202);
    await settle(host);
  };

  beforeAll(() => settle(host));

  it('uses the federated credential first while it matches', () => {
    expect(host.simulator.managedIdentity.tokensIssued()).toBeGreaterThan(0);
    expect(tokenAnswers(400)).toHaveLength(0);
    expect(warnings()).toHaveLength(0);
  });

  it('falls back to the secret when no federated credential matches, and says so once, without secrets', async () => {
    host.simulator.removeFederatedCredentials(DEMO_TENANT.clientId);
    host.simulator.clock.advance(2 * 3_600_000);
    host.simulator.requests.reset();
    await resyncAll();
    for (const user of await users()) expect(user.status).toBe('ok');
    // One refused exchange, then the secret; not one refusal per Graph call.
    expect(tokenAnswers(400)).toHaveLength(1);
    expect(tokenAnswers(200)).toHaveLength(1);

    // Later token renewals fall back again, quietly.
    host.simulator.clock.advance(2 * 3_600_000);
    await resyncAll();
    for (const user of await users()) expect(user.status).toBe('ok');
    expect(tokenAnswers(400)).toHaveLength(2);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('AADSTS70021');
    expect(warnings()[0]).toContain(DEMO_TENANT.id);

    const everything = host.logs.join('\n');
    expect(everything).not.toContain(DEMO_TENANT.clientSecret);
    // No token of any kind (managed identity, assertion, Graph) is a JWT in the logs.
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('goes back to the federated credential once it is registered again', async () => {
    host.simulator.addFederatedCredential(DEMO_TENANT.clientId, { trust: DEMO_MANAGED_IDENTITY });
    host.simulator.clock.advance(2 * 3_600_000);
    host.simulator.requests.reset();
    await resyncAll();
    for (const user of await users()) expect(user.status).toBe('ok');
    expect(tokenAnswers(400)).toHaveLength(0);
    expect(tokenAnswers(200)).toHaveLength(1);
  });

  it('does not fall back when the tenant refuses the app: that is the customer’s consent, not our credential', async () => {
    host.simulator.setConsent(DEMO_TENANT.id, false);
    host.simulator.clock.advance(2 * 3_600_000);
    host.simulator.requests.reset();
    await host.runTimer('maintenance');
    const integration = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value;
    expect(integration?.consentState).toBe('consentRequired');
    expect(integration?.consentError).toContain('AADSTS7000229');
    // The refusal was taken as it came: one token request, no second try with the secret.
    expect(tokenAnswers(400)).toHaveLength(1);
    expect(warnings()).toHaveLength(1);
  });
});
