import { DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { fetchManual, managementClient } from '../admin/managementClient';
import { useTestHost } from '../support/localHostHarness';
import { walk as follow, mintLink } from './consentWalk';

/** Each way the consent can fail ends on its own page, in English and Swedish by Accept-Language. */
describe('admin consent errors', () => {
  const host = useTestHost();

  beforeAll(async () => {
    const manage = managementClient(host);
    for (const body of [
      { id: 'acme', name: 'Acme AB', pbxUrl: 'http://127.0.0.1:9/pbx' },
      // Set up for another tenant: a consent from the demo tenant must not take it over.
      {
        id: 'other',
        name: 'Other AB',
        pbxUrl: 'http://127.0.0.1:9/pbx',
        tenantId: '0b9d8c7e-1111-4222-8333-944455556666',
      },
    ]) {
      expect((await manage('POST', 'manage/integrations', { body })).status).toBe(201);
    }
  });

  /** A fresh link → Microsoft (answering as told) → callback (→ sign-in → callback), in the given language. */
  async function walk(integrationId: string, language: string) {
    return (await follow(await mintLink(host, integrationId), { language })).page;
  }

  const microsoftErrors = [
    {
      outcome: 'declined',
      error: 'access_denied',
      description: 'AADSTS65004: User declined to consent to access the app.',
      status: 200,
      en: 'Consent was declined',
      sv: 'Medgivandet avböjdes',
    },
    {
      // Cancel on the admin consent screen, as Microsoft documents the redirect.
      outcome: 'declined',
      error: 'consent_required',
      description: 'AADSTS65004: The resource owner or authorization server denied the request.',
      status: 200,
      en: 'Consent was declined',
      sv: 'Medgivandet avböjdes',
    },
    {
      outcome: 'needsAdmin',
      error: 'access_denied',
      description: 'AADSTS90094: The grant requires admin permission.',
      status: 200,
      en: 'An administrator must accept',
      sv: 'En administratör måste godkänna',
    },
    {
      outcome: 'failed',
      error: 'server_error',
      description: 'AADSTS50000: There was an error issuing a token.',
      status: 502,
      en: 'Microsoft reported an error',
      sv: 'Microsoft rapporterade ett fel',
    },
  ];

  it.each(microsoftErrors)('$outcome: its own page in en and sv', async (c) => {
    host.simulator.answerAdminConsent({ kind: 'error', error: c.error, description: c.description });
    const en = await walk('acme', 'en-US,en;q=0.8');
    expect(en.status).toBe(c.status);
    expect(en.text).toContain(`data-outcome="${c.outcome}"`);
    expect(en.text).toContain(c.en);
    expect(en.text).toContain('lang="en"');
    const sv = await walk('acme', 'sv-SE,sv;q=0.9,en;q=0.5');
    expect(sv.text).toContain(c.sv);
    expect(sv.text).toContain('lang="sv"');
    // Microsoft's description is not echoed into our page.
    expect(en.text).not.toContain(c.description);
    const stored = (await host.runtime.repos.integrations.get('acme'))?.value;
    expect(stored?.consentState).toBe('pending');
    expect(stored?.consentError).toContain('consent');
  });

  it('tenant mismatch: consent from another tenant is not used', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const en = await walk('other', 'en');
    expect(en.status).toBe(409);
    expect(en.text).toContain('Wrong organisation');
    const sv = await walk('other', 'sv');
    expect(sv.text).toContain('Fel organisation');
    const stored = (await host.runtime.repos.integrations.get('other'))?.value;
    expect(stored).toMatchObject({
      consentState: 'pending',
      tenantId: '0b9d8c7e-1111-4222-8333-944455556666',
    });
  });

  it('a state that outlived its minutes is refused with its page (en and sv)', async () => {
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    const lateCallback = async (language: string) => {
      const link = await fetchManual(await mintLink(host, 'acme'));
      const back = await fetchManual(link.location ?? '');
      host.simulator.clock.advance((host.runtime.config.CONSENT_LINK_MINUTES + 1) * 60_000);
      return fetchManual(back.location ?? '', { 'accept-language': language });
    };
    const en = await lateCallback('en');
    expect(en.status).toBe(400);
    expect(en.text).toContain('The link has expired');
    const sv = await lateCallback('sv');
    expect(sv.text).toContain('Länken har gått ut');
    expect((await host.runtime.repos.integrations.get('acme'))?.value.consentState).toBe('pending');
  });
});
