// No Graph secret at all: the service signs in as the Graph app with the
// user-assigned managed identity as the app's federated identity credential.
// The managed identity's token comes from the real ManagedIdentityCredential
// (App Service's endpoint, served by the simulator), Entra (the simulator)
// checks it against the app's federated credentials, and a sync and a consent
// work. When the app no longer trusts the identity and there is no secret,
// the refusal is named, never a 500.

import { DEMO_INTEGRATION_ID, DEMO_MANAGED_IDENTITY, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { mintLink, walk } from './consentWalk';

describe('the Graph app with a federated credential and no secret', () => {
  const host = useTestHost({ graphCredential: 'federated' });
  const tokenAnswers = (status: number) =>
    host.simulator.requests
      .log()
      .filter((r) => r.method === 'POST' && r.path.includes('/oauth2/v2.0/token') && r.status === status);

  beforeAll(() => settle(host));

  it('has no secret configured', () => {
    expect(host.runtime.config.GRAPH_CLIENT_SECRET).toBeUndefined();
    expect(host.runtime.config.GRAPH_SCOPED_CLIENT_SECRET).toBeUndefined();
    expect(host.runtime.config.graphApps.main).toEqual({
      clientId: DEMO_TENANT.clientId,
      federatedIdentityClientId: DEMO_MANAGED_IDENTITY.clientId,
    });
  });

  it('gets Graph tokens with the managed identity’s token, and a change reaches the PBX', async () => {
    // The demo users were provisioned at start: Graph answered with the federated token.
    expect(host.simulator.managedIdentity.tokensIssued()).toBeGreaterThan(0);
    expect(tokenAnswers(200).length).toBeGreaterThan(0);
    expect(tokenAnswers(400)).toHaveLength(0);
    const before = host.sink!.received.length;
    const slot = hourFromNow(2);
    const graph = await graphAs(host);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'x',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    const received = host.sink!.received.slice(before).map((w) => w.event);
    expect(received).toEqual([expect.objectContaining({ type: 'absence.upserted' })]);
  });

  it('redeems the admin’s sign-in code with the federated credential too', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const { page } = await walk(await mintLink(host, DEMO_INTEGRATION_ID));
    expect(page.text).toContain('data-outcome="granted"');
  });

  it('names the refusal (AADSTS70021) when the app no longer trusts the identity, never a 500', async () => {
    host.simulator.removeFederatedCredentials(DEMO_TENANT.clientId);
    // Our cached Graph token runs out (the runtime's clock is the simulator's).
    host.simulator.clock.advance(2 * 3_600_000);
    const answer = await managementClient(host)('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/users`, {
      body: { email: 'bob@contoso.example' },
    });
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('AADSTS70021');
    expect(tokenAnswers(400).length).toBeGreaterThan(0);
  });

  it('shows the refusal on the users a sync could not read, and the dashboard still answers', async () => {
    const manage = managementClient(host);
    expect((await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`)).status).toBe(202);
    await settle(host);
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      expect(user).toMatchObject({ status: 'error', lastError: expect.stringContaining('AADSTS70021') });
    }
    expect((await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`)).status).toBe(200);
  });

  it('shows a consent that cannot be completed with Entra’s code on the page, not an internal error', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const { page } = await walk(await mintLink(host, DEMO_INTEGRATION_ID));
    // The consent page's answer when Microsoft refuses (consentPages.ts), not a 500.
    expect(page.status).toBe(502);
    expect(page.text).toContain('data-outcome="failed"');
    expect(page.text).toContain('AADSTS70021');
  });
});
