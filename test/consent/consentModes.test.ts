import { silentLogger } from '../../dev/localHost/consoleLogger';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { exchangeConnections } from '../../shared/exchange/exchangeServerIntegration';
import { createIntegration, updateIntegration } from '../../shared/management/integrations';
import { mintConsentLink, openConsentLink } from '../../shared/onboarding/consentFlow';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';

/** The two consent modes use two apps: the scoped one asks for no calendar permission. */
describe('consent modes', () => {
  let repos: Repositories;
  const secrets = createMemorySecretStore();
  const now = () => new Date('2026-11-25T10:00:00Z');
  const consent = {
    clientId: 'tenant-wide-app',
    scopedClientId: 'scoped-app',
    authorityHost: 'https://login.microsoftonline.com',
    callbackUrl: 'https://pbxsync.example/api/consent/callback',
    linkMinutes: 60,
  };
  const admin = () => ({
    repos,
    secrets,
    now,
    queue: { send: async () => undefined },
    graphFor: () => {
      throw new Error('no Graph in this test');
    },
    urls: { notification: 'https://x/n', lifecycle: 'https://x/l' },
    subscriptionMinutes: 60,
    defaultTimeZone: 'Europe/Stockholm',
    log: silentLogger,
    publicBaseUrl: 'https://pbxsync.example',
    pbxTarget: { allowInsecureLoopback: false },
    // Saving a PBX URL resolves its name; a public answer, without DNS.
    resolveHost: async () => ['93.184.216.34'],
    // Microsoft 365 integrations only here: Exchange Server is never asked.
    exchange: {
      check: () => Promise.reject(new Error('no Exchange in this test')),
      allowLoopbackHttp: false,
      connections: exchangeConnections(secrets),
    },
  });
  /** Mints a link for the integration and opens it: which app does it ask the admin to consent to? */
  const clientIdOf = async (
    integrationId: string,
    settings: typeof consent | Omit<typeof consent, 'scopedClientId'>,
  ) => {
    const minted = await mintConsentLink(integrationId, {
      repos,
      now,
      publicBaseUrl: 'https://pbxsync.example',
    });
    const token = minted?.url.split('/').at(-1) ?? '';
    const link = await openConsentLink(token, { repos, now, consent: settings });
    return link.kind === 'redirect' ? new URL(link.location).searchParams.get('client_id') : link.kind;
  };

  beforeAll(async () => {
    repos = await createTestRepositories();
    for (const [id, consentMode] of [
      ['wide', 'tenantWide'],
      ['narrow', 'scoped'],
    ] as const) {
      const created = await createIntegration(
        { id, name: id, pbxUrl: 'https://pbx.example/hook', active: true, consentMode },
        admin(),
      );
      expect(created.kind).toBe('ok');
    }
  });

  it('links each integration to the app of its mode', async () => {
    expect(await clientIdOf('wide', consent)).toBe('tenant-wide-app');
    expect(await clientIdOf('narrow', consent)).toBe('scoped-app');
    const { scopedClientId: _, ...withoutScoped } = consent;
    expect(await clientIdOf('narrow', withoutScoped)).toBe('scopedModeUnavailable');
  });

  it('changing the mode of a connected integration asks for consent again', async () => {
    const stored = await repos.integrations.get('wide');
    await repos.integrations.update(
      { ...stored!.value, consentState: 'granted', tenantId: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' },
      stored!.etag,
    );
    const same = await updateIntegration('wide', { consentMode: 'tenantWide' }, admin());
    expect(same.kind === 'ok' && same.value.consentState).toBe('granted');
    const changed = await updateIntegration('wide', { consentMode: 'scoped' }, admin());
    expect(changed.kind === 'ok' && changed.value).toMatchObject({
      consentState: 'pending',
      consentMode: 'scoped',
    });
  });
});
