// The simulator's OpenID Connect sign-in plays Entra's side strictly, so the
// service's checks are exercised: a code is redeemed once, only by the app it
// was issued to, with that app's secret and redirect URI; the ID token is
// RS256, signed by a key the JWKS endpoint serves, and carries tid, aud, iss,
// nonce and exp.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';

const TENANT = { id: '11111111-2222-4333-8444-555555555555', clientId: 'app', clientSecret: 'app-secret' };
const REDIRECT = 'https://service.example/api/consent/callback';

describe('graph simulator: OpenID Connect sign-in', () => {
  let sim: GraphSimulator;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.answerAdminConsent({ kind: 'grant', tenantId: TENANT.id });
  });
  afterAll(() => sim.stop());

  async function code(nonce = 'nonce-1'): Promise<string> {
    const authorize = new URL(`${sim.authorityHost}/organizations/oauth2/v2.0/authorize`);
    for (const [key, value] of Object.entries({
      client_id: TENANT.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      nonce,
    })) {
      authorize.searchParams.set(key, value);
    }
    const response = await fetch(authorize, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('s');
    return back.searchParams.get('code') ?? '';
  }

  const redeem = (form: Record<string, string>) =>
    fetch(`${sim.authorityHost}/organizations/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: TENANT.clientId,
        client_secret: TENANT.clientSecret,
        redirect_uri: REDIRECT,
        scope: 'openid',
        ...form,
      }),
    });

  it('redeems a code once for an ID token signed by a key at the JWKS URL', async () => {
    const issued = await code('nonce-42');
    const first = await redeem({ code: issued });
    expect(first.status).toBe(200);
    const { id_token } = (await first.json()) as { id_token: string };
    const keys = createRemoteJWKSet(new URL(`${sim.authorityHost}/common/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(id_token, keys, {
      issuer: `${sim.authorityHost}/${TENANT.id}/v2.0`,
      audience: TENANT.clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ tid: TENANT.id, nonce: 'nonce-42', ver: '2.0' });
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);

    const again = await redeem({ code: issued });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });

  it('refuses a wrong secret, client or redirect URI, and the code is spent by the attempt', async () => {
    for (const [form, status, error] of [
      [{ client_secret: 'guess' }, 401, 'invalid_client'],
      [{ client_id: 'another-app' }, 400, 'invalid_grant'],
      [{ redirect_uri: 'https://evil.example/cb' }, 400, 'invalid_grant'],
      [{ code: 'made-up' }, 400, 'invalid_grant'],
    ] as const) {
      const issued = await code();
      const refused = await redeem({ code: issued, ...form });
      expect(refused.status).toBe(status);
      expect(await refused.json()).toMatchObject({ error });
      // The genuine code was spent by the failed attempt, unless the attempt presented another.
      expect((await redeem({ code: issued })).status).toBe('code' in form ? 200 : 400);
    }
  });

  it('signs in nobody the admin consent did not name', async () => {
    sim.answerAdminConsent({ kind: 'error', error: 'access_denied', description: 'AADSTS65004: declined' });
    try {
      const response = await fetch(
        `${sim.authorityHost}/organizations/oauth2/v2.0/authorize?client_id=app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`,
        { redirect: 'manual' },
      );
      const back = new URL(response.headers.get('location') ?? '');
      expect(back.searchParams.get('code')).toBeNull();
      expect(back.searchParams.get('error')).toBe('access_denied');
    } finally {
      sim.answerAdminConsent({ kind: 'grant', tenantId: TENANT.id });
    }
  });
});
