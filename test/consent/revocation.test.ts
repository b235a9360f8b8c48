// The customer's admin removes the app: the next maintenance run notices it
// with one refused token request, puts the integration in `consentRequired`
// and stops calling Graph for it; a new consent brings it back.

import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { mintLink, walk } from './consentWalk';

describe('revoked consent', () => {
  const host = useTestHost();
  const tokenRequests = () =>
    host.simulator.requests.count({ method: 'POST', pathIncludes: '/oauth2/v2.0/token' });
  const graphRequests = () => host.simulator.requests.count({ pathIncludes: '/v1.0/' });
  const integration = async () => (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value;

  beforeAll(() => settle(host));

  it('goes to consentRequired within one maintenance run, without a retry storm', async () => {
    host.simulator.setConsent(DEMO_TENANT.id, false);
    // Tokens already issued stay valid for their lifetime; the revocation shows once they run out.
    host.simulator.clock.advance(2 * 3_600_000);
    host.simulator.requests.reset();

    await host.runTimer('maintenance');
    expect((await integration())?.consentState).toBe('consentRequired');
    expect((await integration())?.consentError).toContain('AADSTS7000229');
    await settle(host);
    expect(tokenRequests()).toBe(1);
    expect(graphRequests()).toBe(0);

    // Later runs and notifications cost nothing while consent is missing.
    await host.runTimer('maintenance');
    await host.runTimer('maintenance');
    await settle(host);
    expect(host.simulator.requests.total()).toBe(1);

    const dashboard = await managementClient(host)(
      'GET',
      `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`,
    );
    expect(dashboard.json).toMatchObject({ consentState: 'consentRequired' });
  });

  it('a sync that meets the refusal flips the state too, and is not retried', async () => {
    // Back to granted in storage only: Entra ID still refuses.
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
    await host.runtime.repos.integrations.update({ ...stored!.value, consentState: 'granted' }, stored!.etag);
    host.simulator.requests.reset();
    const manage = managementClient(host);
    expect((await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`)).status).toBe(202);
    await settle(host);
    expect((await integration())?.consentState).toBe('consentRequired');
    // One refused token request per user at most (3 users), never a retry.
    expect(tokenRequests()).toBeLessThanOrEqual(3);
    expect(graphRequests()).toBe(0);
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
  });

  it('consenting again recovers: granted, users synced, changes reach the PBX', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const { page } = await walk(await mintLink(host, DEMO_INTEGRATION_ID));
    expect(page.text).toContain('data-outcome="granted"');
    const recovered = await integration();
    expect(recovered).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
    expect(recovered?.consentError).toBeUndefined();
    expect(recovered?.consentRequiredSince).toBeUndefined();
    await settle(host);
    for (const user of await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)) {
      expect(user.status).toBe('ok');
    }

    const before = host.sink!.received.length;
    const slot = hourFromNow(6);
    const graph = await graphAs(host);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'x',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    expect(host.sink!.received.slice(before).map((w) => w.event.type)).toEqual(['absence.upserted']);
  });
});
