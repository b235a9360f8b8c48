// The admin consent flow over HTTP against the local host: the operator
// creates an integration and mints a consent link, the customer's admin
// follows it to Microsoft (the simulator), consents, signs in, and comes
// back; the tenant the signed ID token names is bound, and the
// integration's mailboxes are subscribed and synced to the PBX.

import { DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { type PbxSink, startPbxSink } from '../../dev/pbxSink';
import { fetchManual, managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { mintLink, walk } from './consentWalk';

describe('admin consent by link', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  let sink: PbxSink | undefined;

  beforeAll(() => settle(host));
  afterAll(async () => {
    await sink?.stop();
  });

  it('link → consent → sign-in → callback connects the integration, subscribes its users and feeds the PBX', async () => {
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
      integration: { consentState: string; pendingUsers: unknown[] };
      pbxSecret: string;
    };
    expect(integration.consentState).toBe('pending');
    expect(integration.pendingUsers).toHaveLength(2);
    expect(pbxSecret).toMatch(/^whsec_/);
    // Write-only: the secret is never shown again; nor is any consent link.
    const again = await manage('GET', 'manage/integrations/acme');
    expect(again.text).not.toContain(pbxSecret);
    expect(again.text).not.toContain('pbxSecretName');
    expect(again.text).not.toContain('/api/consent/');

    sink = await startPbxSink({ secret: pbxSecret });
    expect((await manage('PATCH', 'manage/integrations/acme', { body: { pbxUrl: sink.url } })).status).toBe(
      200,
    );

    // 0. The operator mints a link: an unguessable token that expires.
    const minted = await manage('POST', 'manage/integrations/acme/consent-link');
    expect(minted.status).toBe(201);
    const { url, expiresAt } = minted.json as { url: string; expiresAt: string };
    expect(url).toMatch(new RegExp(`^${host.url}/api/consent/[\\w-]{43}$`));
    expect(url).not.toContain('acme');
    expect(Date.parse(expiresAt)).toBeGreaterThan(host.simulator.clock.now().getTime());

    // 1. The link sends the admin to Microsoft's adminconsent endpoint with the right parameters.
    const link = await fetchManual(url);
    expect(link.status).toBe(302);
    const toMicrosoft = new URL(link.location ?? '');
    expect(`${toMicrosoft.origin}${toMicrosoft.pathname}`).toBe(
      `${host.simulator.authorityHost}/organizations/v2.0/adminconsent`,
    );
    expect(toMicrosoft.searchParams.get('client_id')).toBe(DEMO_TENANT.clientId);
    expect(toMicrosoft.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(toMicrosoft.searchParams.get('redirect_uri')).toBe(`${host.url}/api/consent/callback`);
    expect(toMicrosoft.searchParams.get('state')).toMatch(/^[\w-]{43}\.[\w-]{43}$/);

    // 2. The admin accepts; Microsoft sends the browser back with its success parameters.
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const back = await fetchManual(toMicrosoft.toString());
    expect(back.status).toBe(302);
    const callback = new URL(back.location ?? '');
    expect(callback.searchParams.get('admin_consent')).toBe('True');

    // 3. The callback believes none of that: it sends the admin on to sign in (OpenID Connect, code flow).
    const toSignIn = await fetchManual(callback.toString());
    expect(toSignIn.status).toBe(302);
    const signIn = new URL(toSignIn.location ?? '');
    expect(`${signIn.origin}${signIn.pathname}`).toBe(
      `${host.simulator.authorityHost}/organizations/oauth2/v2.0/authorize`,
    );
    expect(Object.fromEntries(signIn.searchParams)).toMatchObject({
      client_id: DEMO_TENANT.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${host.url}/api/consent/callback`,
    });
    expect(signIn.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(signIn.searchParams.get('state')).not.toBe(toMicrosoft.searchParams.get('state'));

    // 4. Microsoft signs the admin in and sends a code; the callback redeems it for a signed ID token.
    const withCode = await fetchManual(signIn.toString());
    const done = await fetchManual(withCode.location ?? '', { 'accept-language': 'en-GB,en;q=0.9' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('data-outcome="granted"');
    expect(done.text).toContain('Acme AB is now connected');

    const stored = (await host.runtime.repos.integrations.get('acme'))?.value;
    expect(stored).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
    expect(stored?.consentedAt).toBeDefined();
    expect(stored?.pendingUsers).toBeUndefined();

    // 5. Its users got subscriptions and a first sync; the PBX got Alice's absence in her snapshot.
    await settle(host);
    const users = await host.runtime.repos.users.listByIntegration('acme');
    expect(users.map((u) => u.email).sort()).toEqual([ALICE.mail, 'bob@contoso.example']);
    const live = new Set(host.simulator.listSubscriptions().map((s) => s.id));
    for (const user of users) {
      expect(user.status).toBe('ok');
      expect(live.has(user.subscriptionId ?? '')).toBe(true);
    }
    expect(sink.received).toHaveLength(0);
    expect(sink.snapshots.find((w) => w.event.data.user.email === ALICE.mail)?.event).toMatchObject({
      integrationId: 'acme',
      data: { absences: [{ start: slot.startIso, reason: { code: 'busy' } }] },
    });
    expect([...sink.state().values()]).toMatchObject([{ userEmail: ALICE.mail, start: slot.startIso }]);

    // 6. The link has done its work: opening it again shows the neutral page.
    const used = await walk(url);
    expect(used.page.status).toBe(400);
    expect(used.page.text).toContain('data-outcome="invalidLink"');
  });

  it('refuses a tampered state without touching anything', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const link = await fetchManual(await mintLink(host, 'acme'));
    const state = new URL(link.location ?? '').searchParams.get('state') ?? '';
    const [linkId = '', nonce = ''] = state.split('.');
    const flipped = `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${linkId}.${flipped}`, `${linkId}.`, `${linkId}.${nonce}.x`, '', 'no-dot']) {
      const page = await fetchManual(
        `${host.url}/api/consent/callback?admin_consent=True&tenant=${DEMO_TENANT.id}&state=${encodeURIComponent(bad)}`,
      );
      expect(page.status).toBe(400);
      expect(page.text).toContain('data-outcome="invalidLink"');
    }
  });

  it('the management API refuses to mint a link for an integration that does not exist', async () => {
    expect((await manage('POST', 'manage/integrations/nobody/consent-link')).status).toBe(404);
    expect((await manage('POST', 'manage/integrations/acme/consent-link', { key: null })).status).toBe(401);
  });
});
