// Onboarding as `npm start` offers it, walked as a browser would: the
// operator's consent link, the simulator's consent page (an HTML form with
// Accept and Cancel, as the demo tenant's admin), the sign-in, the "Connected"
// page, and the mailbox synced to the PBX. Cancel answers as Entra does
// (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent).

import { DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { type PbxSink, startPbxSink } from '../../dev/pbxSink';
import { fetchManual, managementClient } from '../admin/managementClient';
import { hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { mintLink } from './consentWalk';

type Page = Awaited<ReturnType<typeof fetchManual>>;

/** What a browser sends for the page's one form when `button` is pressed: its fields, urlencoded, to its action. */
async function submit(pageUrl: string, page: Page, button: string): Promise<Page> {
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(page.text);
  if (!form) throw new Error(`no form on ${pageUrl}`);
  const decode = (text: string) =>
    text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
  const fields = new URLSearchParams();
  for (const [, name, value] of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields.append(name!, decode(value!));
  const buttons = [...form[2]!.matchAll(/<button type="submit" name="([^"]+)" value="([^"]+)">([^<]*)</g)];
  const pressed = buttons.find(([, , , label]) => label === button);
  if (!pressed) throw new Error(`no ${button} button on ${pageUrl}`);
  fields.append(pressed[1]!, pressed[2]!);
  const response = await fetch(new URL(decode(form[1]!), pageUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    text: await response.text(),
    headers: response.headers,
  };
}

/** Follows redirects from `url` (GETs) until a page answers. */
async function follow(url: string, first?: Page): Promise<{ url: string; page: Page }> {
  let current = url;
  let page = first ?? (await fetchManual(current));
  for (let hop = 0; page.status === 302 && page.location && hop < 10; hop++) {
    current = new URL(page.location, current).toString();
    page = await fetchManual(current);
  }
  return { url: current, page };
}

describe('onboarding through the consent page', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const bob = DEMO_USERS[1];
  let sink: PbxSink;

  beforeAll(async () => {
    // What `npm start` sets: the consent link leads to a page a person answers.
    host.simulator.answerAdminConsent({ kind: 'ask', tenantId: DEMO_TENANT.id });
    await settle(host);
  });
  afterAll(() => sink?.stop());

  async function createIntegration(id: string): Promise<string> {
    const created = await manage('POST', 'manage/integrations', {
      body: { id, name: `${id} AB`, pbxUrl: 'http://127.0.0.1:9/placeholder', users: [bob.mail] },
    });
    expect(created.status).toBe(201);
    return (created.json as { pbxSecret: string }).pbxSecret;
  }

  it('link → consent page → Accept → Connected, and the mailbox is synced to the PBX', async () => {
    const slot = hourFromNow(6);
    host.simulator.createEvent(bob.id, {
      subject: 'Offsite',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    const pbxSecret = await createIntegration('fabrikam');
    sink = await startPbxSink({ secret: pbxSecret });
    expect(
      (await manage('PATCH', 'manage/integrations/fabrikam', { body: { pbxUrl: sink.url } })).status,
    ).toBe(200);

    const consent = await follow(await mintLink(host, 'fabrikam'));
    expect(consent.url.startsWith(`${host.simulator.authorityHost}/`)).toBe(true);
    expect(consent.page.status).toBe(200);
    expect(consent.page.headers.get('content-type')).toContain('text/html');
    expect(consent.page.text).toContain(DEMO_TENANT.id);
    expect(consent.page.text).toContain('https://graph.microsoft.com/.default');

    const accepted = await submit(consent.url, consent.page, 'Accept');
    expect(accepted.status).toBe(302);
    expect(new URL(accepted.location ?? '').searchParams.get('admin_consent')).toBe('True');
    const done = await follow(accepted.location ?? '', undefined);
    expect(done.page.status).toBe(200);
    expect(done.page.text).toContain('data-outcome="granted"');

    await settle(host);
    expect((await host.runtime.repos.integrations.get('fabrikam'))?.value).toMatchObject({
      consentState: 'granted',
      tenantId: DEMO_TENANT.id,
    });
    const users = await host.runtime.repos.users.listByIntegration('fabrikam');
    expect(users.map((u) => u.email)).toEqual([bob.mail]);
    // The first sync's snapshot carries Bob's absences.
    const shown = [...sink.state().values()].map((absence) => absence.userEmail);
    expect(shown).toContain(bob.mail);
  });

  it('Cancel sends the admin back with Entra’s declined answer and connects nothing', async () => {
    await createIntegration('northwind');
    const consent = await follow(await mintLink(host, 'northwind'));
    expect(consent.page.status).toBe(200);
    const cancelled = await submit(consent.url, consent.page, 'Cancel');
    expect(cancelled.status).toBe(302);
    const callback = new URL(cancelled.location ?? '');
    expect(callback.pathname).toBe('/api/consent/callback');
    expect(callback.searchParams.get('error')).toBe('consent_required');
    expect(callback.searchParams.get('error_description')).toMatch(/^AADSTS65004:/);
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    expect(callback.searchParams.get('state')).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    const page = await fetchManual(callback.toString());
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('data-outcome="granted"');
    expect((await host.runtime.repos.integrations.get('northwind'))?.value.consentState).toBe('pending');
  });
});
