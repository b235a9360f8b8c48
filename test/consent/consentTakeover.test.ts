// The takeover from issue 13, replayed: an anonymous caller must not be able
// to obtain a consent state, replay one, or bind or rebind an integration to
// a tenant by naming it in the callback; the admin's genuine consent works,
// the tenant comes from the ID token Entra ID (the simulator) signs, repeated
// callbacks provision once, and only an operator can unbind.

import { createRemoteJWKSet } from 'jose';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { verifyIdToken } from '../../shared/graph/tenantProof';
import { fetchManual, managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';
import { isCodeCallback, mintLink, walk } from './consentWalk';

const EVIL_TENANT = '0e0e0e0e-bad0-4bad-8bad-0e0e0e0e0e0e';

describe('consent takeover, replayed', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const integration = async (id: string) => (await host.runtime.repos.integrations.get(id))?.value;
  /** Sync messages the queue has seen so far (run, waiting or dropped as duplicates). */
  const syncsQueued = () => {
    const stats = host.queue.stats('sync');
    return (
      stats.completed + stats.ready + stats.scheduled + stats.inFlight + stats.retrying + stats.deadLettered
    );
  };

  beforeAll(async () => {
    await settle(host);
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    // A second organisation that also installed the app: its admin is real, but not this integration's.
    host.simulator.addTenant({
      id: EVIL_TENANT,
      clientId: DEMO_TENANT.clientId,
      clientSecret: DEMO_TENANT.clientSecret,
    });
    for (const id of ['victim', 'other']) {
      const body = { id, name: id, pbxUrl: 'http://127.0.0.1:9/pbx', users: ['bob@contoso.example'] };
      expect((await manage('POST', 'manage/integrations', { body })).status).toBe(201);
    }
  });

  it('an anonymous caller gets no state, and cannot tell known integrations from unknown ones', async () => {
    const answers = await Promise.all(
      ['victim', DEMO_INTEGRATION_ID, 'nobody', 'A'.repeat(43), encodeURIComponent('../callback')].map((id) =>
        fetchManual(`${host.url}/api/consent/${id}`),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.location).toBeNull();
      expect(answer.text).toBe(answers[0]?.text);
    }
    expect(answers[0]?.text).toContain('data-outcome="invalidLink"');
  });

  it('a forged callback naming a tenant binds nothing', async () => {
    for (const state of ['', 'x.y', `${'A'.repeat(43)}.${'B'.repeat(43)}`]) {
      const page = await fetchManual(
        `${host.url}/api/consent/callback?admin_consent=True&tenant=${EVIL_TENANT}&state=${state}`,
      );
      expect(page.status).toBe(400);
    }
    expect(await integration('victim')).toMatchObject({ consentState: 'pending' });
    expect((await integration('victim'))?.tenantId).toBeUndefined();
  });

  it("the callback's tenant parameter is ignored: the signed ID token names the tenant", async () => {
    const link = await mintLink(host, 'victim');
    const { hops } = await walk(link, { stopAt: (url) => url.includes('/api/consent/callback') });
    const afterConsent = new URL(hops.at(-1) ?? '');
    afterConsent.searchParams.set('tenant', EVIL_TENANT);
    const toCode = await walk(afterConsent.toString(), { stopAt: isCodeCallback });
    const withCode = new URL(toCode.hops.at(-1) ?? '');
    withCode.searchParams.set('tenant', EVIL_TENANT);
    const page = await fetchManual(withCode.toString());
    expect(page.text).toContain('data-outcome="granted"');
    expect(await integration('victim')).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
  });

  it('every state is single-use: replaying any hop of a finished consent does nothing', async () => {
    await settle(host);
    const before = syncsQueued();
    const link = await mintLink(host, 'other');
    const { hops, page } = await walk(link);
    expect(page.text).toContain('data-outcome="granted"');
    await settle(host);
    const afterFirst = syncsQueued();
    expect(afterFirst).toBeGreaterThan(before);
    for (const hop of hops.filter((url) => url.startsWith(host.url))) {
      const replay = await fetchManual(hop);
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('data-outcome="invalidLink"');
    }
    await settle(host);
    expect(syncsQueued()).toBe(afterFirst);
  });

  it('20 concurrent callbacks with the same code provision once', async () => {
    const id = 'burst';
    expect(
      (
        await manage('POST', 'manage/integrations', {
          body: {
            id,
            name: id,
            pbxUrl: 'http://127.0.0.1:9/pbx',
            users: ['bob@contoso.example', 'carol@contoso.example'],
          },
        })
      ).status,
    ).toBe(201);
    await settle(host);
    const before = syncsQueued();
    const { hops } = await walk(await mintLink(host, id), { stopAt: isCodeCallback });
    const pages = await Promise.all(Array.from({ length: 20 }, () => fetchManual(hops.at(-1) ?? '')));
    expect(pages.filter((p) => p.text.includes('data-outcome="granted"'))).toHaveLength(1);
    expect(pages.filter((p) => p.text.includes('data-outcome="invalidLink"'))).toHaveLength(19);
    await settle(host);
    // One first sync per user, not one per callback.
    expect(syncsQueued() - before).toBe(2);
  });

  it('a second consent from the same tenant confirms a granted integration without provisioning it again', async () => {
    await settle(host);
    const before = syncsQueued();
    const { page } = await walk(await mintLink(host, 'burst'));
    expect(page.text).toContain('data-outcome="granted"');
    await settle(host);
    expect(syncsQueued()).toBe(before);
    expect(await integration('burst')).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
  });

  it("a granted integration is not rebound by another tenant's admin", async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: EVIL_TENANT });
    try {
      const { page } = await walk(await mintLink(host, 'victim'), { language: 'en' });
      expect(page.status).toBe(409);
      expect(page.text).toContain('Wrong organisation');
    } finally {
      host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    }
    expect(await integration('victim')).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
  });

  it('an operator unbinds with a reason, and a new consent binds again', async () => {
    expect((await manage('POST', 'manage/integrations/victim/unbind', { body: {} })).status).toBe(400);
    expect(
      (await manage('POST', 'manage/integrations/nobody/unbind', { body: { reason: 'gone' } })).status,
    ).toBe(404);
    expect(
      (
        await manage('POST', 'manage/integrations/victim/unbind', {
          body: { reason: 'wrong org' },
          key: null,
        })
      ).status,
    ).toBe(401);
    const unbound = await manage('POST', 'manage/integrations/victim/unbind', {
      body: { reason: 'customer moved to a new tenant' },
    });
    expect(unbound.status).toBe(200);
    expect(unbound.json).toMatchObject({ consentState: 'pending' });
    expect((unbound.json as { tenantId?: string }).tenantId).toBeUndefined();
    expect(
      host.logs.some((line) => line.includes('unbound') && line.includes('customer moved to a new tenant')),
    ).toBe(true);

    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: EVIL_TENANT });
    try {
      const { page } = await walk(await mintLink(host, 'victim'));
      expect(page.text).toContain('data-outcome="granted"');
    } finally {
      host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    }
    expect(await integration('victim')).toMatchObject({ consentState: 'granted', tenantId: EVIL_TENANT });
  });

  it('a link past its lifetime opens nothing', async () => {
    const link = await mintLink(host, DEMO_INTEGRATION_ID);
    host.simulator.clock.advance(8 * 86_400_000);
    const page = await fetchManual(link);
    expect(page.status).toBe(400);
    expect(page.text).toContain('data-outcome="invalidLink"');
  });

  it("an ID token is believed only with Entra's signature, our audience, its issuer and our nonce", async () => {
    const keys = createRemoteJWKSet(new URL(`${host.simulator.authorityHost}/common/discovery/v2.0/keys`));
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: `${host.simulator.authorityHost}/${DEMO_TENANT.id}/v2.0`,
      aud: DEMO_TENANT.clientId,
      tid: DEMO_TENANT.id,
      nonce: 'n-1',
      iat: now,
      exp: now + 600,
    };
    const expected = { clientId: DEMO_TENANT.clientId, nonce: 'n-1' };
    const check = (token: string) => verifyIdToken(token, expected, host.simulator.authorityHost, keys);
    expect(await check(host.simulator.signIdToken(claims))).toEqual({
      kind: 'proven',
      tenantId: DEMO_TENANT.id,
    });
    for (const forged of [
      { ...claims, aud: 'another-app' },
      { ...claims, nonce: 'n-2' },
      { ...claims, tid: EVIL_TENANT },
      { ...claims, iss: `${host.simulator.authorityHost}/${EVIL_TENANT}/v2.0` },
      { ...claims, exp: now - 3600 },
    ]) {
      expect((await check(host.simulator.signIdToken(forged))).kind).toBe('refused');
    }
    // Right claims, wrong signature: a token made up by anyone but Entra.
    const [header = '', , signature = ''] = host.simulator.signIdToken(claims).split('.');
    const body = Buffer.from(
      JSON.stringify({
        ...claims,
        tid: EVIL_TENANT,
        iss: `${host.simulator.authorityHost}/${EVIL_TENANT}/v2.0`,
      }),
    ).toString('base64url');
    expect((await check(`${header}.${body}.${signature}`)).kind).toBe('refused');
  });
});
