// The admin consent flow over HTTP against the local host: the operator
// creates an integration, the customer's admin follows the link to
// Microsoft (the simulator) and back, and the integration's mailboxes are
// subscribed and synced to the PBX.

import { DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { type PbxSink, startPbxSink } from '../../dev/pbxSink';
import { fetchManual, managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe('admin consent by link', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  let sink: PbxSink | undefined;

  beforeAll(() => settle(host));
  afterAll(async () => {
    await sink?.stop();
  });

  it('link → Microsoft → callback connects the integration, subscribes its users and feeds the PBX', async () => {
    const slot = hourFromNow(5);
    const graph = await graphAs(host);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Board meeting',
      showAs: 'busy',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);

    const created = await manage('POST', 'manage/integrations', {
      body: {
        id: 'acme',
        name: 'Acme AB',
        pbxUrl: 'http://127.0.0.1:9/placeholder',
        users: [ALICE.mail, 'bob@contoso.example'],
      },
    });
    expect(created.status).toBe(201);
    const { integration, pbxSecret } = created.json as {
      integration: { consentState: string; consentLink: string; pendingUsers: unknown[] };
      pbxSecret: string;
    };
    expect(integration.consentState).toBe('pending');
    expect(integration.pendingUsers).toHaveLength(2);
    expect(pbxSecret).toMatch(/^whsec_/);
    // Write-only: the secret is never shown again.
    const again = await manage('GET', 'manage/integrations/acme');
    expect(again.text).not.toContain(pbxSecret);
    expect(again.text).not.toContain('pbxSecretName');

    sink = await startPbxSink({ secret: pbxSecret });
    expect((await manage('PATCH', 'manage/integrations/acme', { body: { pbxUrl: sink.url } })).status).toBe(
      200,
    );

    // 1. The link sends the admin to Microsoft's adminconsent endpoint with the right parameters.
    const link = await fetchManual(integration.consentLink);
    expect(link.status).toBe(302);
    const toMicrosoft = new URL(link.location ?? '');
    expect(`${toMicrosoft.origin}${toMicrosoft.pathname}`).toBe(
      `${host.simulator.authorityHost}/organizations/v2.0/adminconsent`,
    );
    expect(toMicrosoft.searchParams.get('client_id')).toBe(DEMO_TENANT.clientId);
    expect(toMicrosoft.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(toMicrosoft.searchParams.get('redirect_uri')).toBe(`${host.url}/api/consent/callback`);
    expect(toMicrosoft.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);

    // 2. The admin accepts; Microsoft sends the browser back with its success parameters.
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const back = await fetchManual(toMicrosoft.toString());
    expect(back.status).toBe(302);
    const callback = new URL(back.location ?? '');
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    expect(callback.searchParams.get('tenant')).toBe(DEMO_TENANT.id);

    // 3. The callback connects the integration and says so in plain words.
    const done = await fetchManual(callback.toString(), { 'accept-language': 'en-GB,en;q=0.9' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('data-outcome="granted"');
    expect(done.text).toContain('Acme AB is now connected');

    const stored = (await host.runtime.repos.integrations.get('acme'))?.value;
    expect(stored).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
    expect(stored?.consentedAt).toBeDefined();
    expect(stored?.pendingUsers).toBeUndefined();

    // 4. Its users got subscriptions and a first sync; the PBX got Alice's absence.
    await settle(host);
    const users = await host.runtime.repos.users.listByIntegration('acme');
    expect(users.map((u) => u.email).sort()).toEqual([ALICE.mail, 'bob@contoso.example']);
    const live = new Set(host.simulator.listSubscriptions().map((s) => s.id));
    for (const user of users) {
      expect(user.status).toBe('ok');
      expect(live.has(user.subscriptionId ?? '')).toBe(true);
    }
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.event).toMatchObject({
      type: 'absence.upserted',
      integrationId: 'acme',
      data: { user: { email: ALICE.mail }, absence: { start: slot.startIso, reason: { code: 'busy' } } },
    });
  });

  it('refuses a tampered state without touching anything', async () => {
    const link = await fetchManual(`${host.url}/api/consent/acme`);
    const state = new URL(link.location ?? '').searchParams.get('state') ?? '';
    const [payload = '', mac = ''] = state.split('.');
    const forged = Buffer.from(
      Buffer.from(payload, 'base64url').toString('utf8').replace('"acme"', '"demo"'),
    ).toString('base64url');
    for (const bad of [`${forged}.${mac}`, `${payload}.${mac.slice(0, -2)}xx`, '', 'no-dot']) {
      const page = await fetchManual(
        `${host.url}/api/consent/callback?admin_consent=True&tenant=${DEMO_TENANT.id}&state=${encodeURIComponent(bad)}`,
      );
      expect(page.status).toBe(400);
      expect(page.text).toContain('data-outcome="invalidLink"');
    }
  });

  it('an unknown integration gets a page, not a redirect', async () => {
    const page = await fetchManual(`${host.url}/api/consent/nobody`, { 'accept-language': 'sv' });
    expect(page.status).toBe(404);
    expect(page.text).toContain('Okänd anslutning');
  });
});
