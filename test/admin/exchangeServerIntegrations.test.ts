// Exchange Server integrations through the management API, against the EWS
// simulator the local host starts (the real ews-javascript-api on loopback):
// the connection is tried before anything is saved, refusals name the field
// at fault, the password is write-only, and a new password lifts the stop
// Exchange's refusal put on the sync.
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { settle, useTestHost } from '../support/localHostHarness';
import { type Answer, managementClient } from './managementClient';

const ORG = 'northwind.example';
const ANNA = `anna@${ORG}`;
const BO = `bo@${ORG}`;
const CECILIA = `cecilia@${ORG}`;
const ANNA_ALIAS = `a.lind@${ORG}`;
const IMPERSONATOR = { userName: 'NORTHWIND\\svc-pbx', password: 'first P4ssw0rd!' };
const REVIEWER = { userName: `svc-review@${ORG}`, password: 'reviewer-Secret-9' };
const PLAIN = { userName: `svc-plain@${ORG}`, password: 'plain-Secret-7' };
const WRONG_PASSWORD = 'not-the-Password-42';

interface ExchangeView {
  kind: string;
  consentState: string;
  consentError?: string;
  exchangeServer?: {
    ewsUrl: string;
    userName: string;
    authentication: string;
    accessMode: string;
    timeZone: string;
    passwordSetAt: string;
    credentials: 'accepted' | 'rejected';
    credentialsSince: string;
  };
}

describe('Exchange Server integrations in the management API', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const passwords = [IMPERSONATOR.password, REVIEWER.password, PLAIN.password, WRONG_PASSWORD];

  const connection = (overrides: Record<string, unknown> = {}) => ({
    ewsUrl: host.ews.url,
    userName: IMPERSONATOR.userName,
    password: IMPERSONATOR.password,
    authentication: 'basic',
    accessMode: 'impersonation',
    timeZone: 'Europe/Stockholm',
    testMailbox: ANNA,
    ...overrides,
  });
  const create = (id: string, exchangeServer: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    manage('POST', 'manage/integrations', {
      body: { id, name: `Northwind ${id}`, pbxUrl: host.sink!.url, exchangeServer, ...extra },
    });
  const refusal = (answer: Answer) => answer.json as { error: string; path?: string };

  beforeAll(() => {
    host.ews.directory.addMailbox(ANNA, { aliases: [ANNA_ALIAS] });
    for (const mailbox of [BO, CECILIA]) host.ews.directory.addMailbox(mailbox);
    host.ews.directory.addAccount({ ...IMPERSONATOR, impersonation: true });
    host.ews.directory.addAccount({ ...REVIEWER, reviewerOn: [ANNA] });
    host.ews.directory.addAccount(PLAIN);
  });

  afterAll(() => {
    // Whatever the tests did, no password reached a log line (every level is captured).
    const logs = host.logs.join('\n');
    for (const secret of passwords) expect(logs).not.toContain(secret);
  });

  it('creates one once the connection passed, granted, with its users added and read', async () => {
    const created = await create('northwind', connection(), { users: [BO, CECILIA] });
    expect(created.status).toBe(201);
    const view = (created.json as { integration: ExchangeView }).integration;
    expect(view).toMatchObject({
      kind: 'exchangeServer',
      consentState: 'granted',
      exchangeServer: {
        ewsUrl: host.ews.url,
        userName: IMPERSONATOR.userName,
        authentication: 'basic',
        accessMode: 'impersonation',
        timeZone: 'Europe/Stockholm',
        credentials: 'accepted',
      },
    });
    expect(view).not.toHaveProperty('tenantId');
    await settle(host);
    const users = await manage('GET', 'manage/integrations/northwind/users');
    expect(
      (users.json as { email: string; status: string }[]).map((u) => [u.email, u.status]).sort(),
    ).toEqual([
      [BO, 'ok'],
      [CECILIA, 'ok'],
    ]);
    // The trial read the test mailbox as the service account, impersonating it.
    expect(host.ews.requests).toContainEqual(
      expect.objectContaining({ account: IMPERSONATOR.userName, impersonated: ANNA }),
    );
  });

  it('adds a user by any of the mailbox’s addresses, as its primary one, and refuses an address Exchange does not know', async () => {
    const added = await manage('POST', 'manage/integrations/northwind/users', {
      body: { email: 'A.Lind@Northwind.example' },
    });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ email: ANNA, id: ANNA });
    const unknown = await manage('POST', 'manage/integrations/northwind/users', {
      body: { email: `nobody@${ORG}` },
    });
    expect(unknown.status).toBe(400);
    expect(refusal(unknown).error).toContain(
      `no mailbox on the Exchange server has the address nobody@${ORG}`,
    );
    const users = await manage('GET', 'manage/integrations/northwind/users');
    expect((users.json as { email: string }[]).map((u) => u.email)).not.toContain(`nobody@${ORG}`);
    await manage('DELETE', `manage/integrations/northwind/users/${encodeURIComponent(ANNA)}`);
    await settle(host);
  });

  it('keeps the password write-only: stored in the secret store, never in an answer', async () => {
    const record = (await host.runtime.repos.integrations.get('northwind'))!.value;
    const secretName = record.exchangeServer!.passwordSecretName;
    expect(secretName).toMatch(/^ews-password-northwind-[0-9a-f]{8}$/);
    expect(await host.runtime.secrets.get(secretName)).toBe(IMPERSONATOR.password);
    expect(JSON.stringify(record)).not.toContain(IMPERSONATOR.password);
    for (const path of [
      'manage/integrations',
      'manage/integrations/northwind',
      'manage/integrations/northwind/dashboard',
    ]) {
      const answer = await manage('GET', path);
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(IMPERSONATOR.password);
      expect(answer.text).not.toContain(secretName);
      expect(answer.text).not.toContain('"password"');
    }
  });

  it.each([
    [
      'an http URL',
      { ewsUrl: `http://mail.${ORG}/EWS/Exchange.asmx` },
      'urlNotHttps',
      'exchangeServer.ewsUrl',
    ],
    ['a wrong password', { password: WRONG_PASSWORD }, 'credentialsRejected', 'exchangeServer.password'],
    [
      'impersonation without the role',
      { userName: PLAIN.userName, password: PLAIN.password },
      'impersonationDenied',
      'exchangeServer.accessMode',
    ],
    [
      'a mailbox Exchange does not have',
      { testMailbox: `nobody@${ORG}` },
      'mailboxNotFound',
      'exchangeServer.testMailbox',
    ],
    [
      'folder permission on a calendar the account may not read',
      { ...REVIEWER, accessMode: 'folderPermission', testMailbox: BO },
      'accessDenied',
      'exchangeServer.testMailbox',
    ],
  ])(
    'refuses %s, naming the reason and the field, and stores nothing',
    async (_case, change, reason, path) => {
      const id = `refused-${reason.toLowerCase()}`;
      const answer = await create(id, connection(change));
      expect(answer.status).toBe(400);
      expect(refusal(answer).path).toBe(path);
      expect(refusal(answer).error).toMatch(new RegExp(`^${reason}: \\S`));
      for (const secret of passwords) expect(answer.text).not.toContain(secret);
      expect(await host.runtime.repos.integrations.get(id)).toBeUndefined();
    },
  );

  it('takes folder permission where the account has Reviewer', async () => {
    const answer = await create(
      'northwind-reviewer',
      connection({ ...REVIEWER, accessMode: 'folderPermission' }),
    );
    expect(answer.status).toBe(201);
    expect((answer.json as { integration: ExchangeView }).integration.exchangeServer?.accessMode).toBe(
      'folderPermission',
    );
  });

  it('refuses the fields of Microsoft 365 beside exchangeServer', async () => {
    const answer = await create('mixed', connection(), { tenantId: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' });
    expect(answer.status).toBe(400);
    expect(refusal(answer).path).toBe('tenantId');
    const patched = await manage('PATCH', 'manage/integrations/northwind', {
      body: { consentMode: 'scoped' },
    });
    expect(patched.status).toBe(400);
    expect(refusal(patched).path).toBe('consentMode');
    const onGraph = await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, {
      body: { exchangeServer: { timeZone: 'Europe/Oslo' } },
    });
    expect(onGraph.status).toBe(400);
    expect(refusal(onGraph).path).toBe('exchangeServer');
  });

  it('tests the saved connection on a mailbox, and refuses the test for Microsoft 365', async () => {
    const start = new Date(host.runtime.now().getTime() + 86_400_000);
    start.setUTCMinutes(0, 0, 0);
    host.ews.calendars.add(BO, {
      subject: 'Workshop',
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    const passed = await manage('POST', 'manage/integrations/northwind/exchange/test', {
      body: { mailbox: BO },
    });
    expect(passed.status).toBe(200);
    expect(passed.json).toMatchObject({ ok: true, itemsInWindow: 1 });
    expect(
      (passed.json as { mailbox: { primaryAddress: string } }).mailbox.primaryAddress.toLowerCase(),
    ).toBe(BO);

    const missing = await manage('POST', 'manage/integrations/northwind/exchange/test', {
      body: { mailbox: `nobody@${ORG}` },
    });
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ ok: false, reason: 'mailboxNotFound', path: 'mailbox' });

    const malformed = await manage('POST', 'manage/integrations/northwind/exchange/test', {
      body: { mailbox: 'x' },
    });
    expect(malformed.status).toBe(400);
    const graph = await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/exchange/test`, {
      body: { mailbox: BO },
    });
    expect(graph.status).toBe(409);
    expect(refusal(graph).error).toContain('Microsoft 365');
  });

  it('refuses consent links and unbinding for an Exchange Server integration', async () => {
    const link = await manage('POST', 'manage/integrations/northwind/consent-link');
    expect(link.status).toBe(409);
    expect(refusal(link).error).toContain('Exchange Server');
    const unbind = await manage('POST', 'manage/integrations/northwind/unbind', {
      body: { reason: 'wrong organisation' },
    });
    expect(unbind.status).toBe(409);
  });

  it('recovers from refused credentials with a new password that passes, and reads every user again', async () => {
    // The customer's admin changes the service account's password; the next sync meets the refusal.
    const changed = 'changed-by-the-Admin-1';
    passwords.push(changed);
    host.ews.directory.addAccount({
      userName: IMPERSONATOR.userName,
      password: changed,
      impersonation: true,
    });
    const now = host.runtime.now();
    await host.queue.send('sync', [
      syncMessageAt({ integrationId: 'northwind', userId: BO, cause: 'notification' }, now, now),
    ]);
    await settle(host);
    const rejected = await manage('GET', 'manage/integrations/northwind');
    expect(rejected.json).toMatchObject({
      consentState: 'consentRequired',
      exchangeServer: { credentials: 'rejected' },
    });
    expect((rejected.json as ExchangeView).consentError).toMatch(/^credentialsRejected/);
    const overview = await manage('GET', 'manage/dashboard');
    expect(overview.json).toMatchObject({
      integrations: { microsoft365: 1, exchangeServer: 2 },
      exchangeServerCredentialsRejected: [{ integrationId: 'northwind', name: 'Northwind northwind' }],
    });
    const figures = await manage('GET', 'manage/integrations/northwind/dashboard');
    expect(figures.json).toMatchObject({ kind: 'exchangeServer', credentials: 'rejected' });

    // A changed password must be tried; without a mailbox to try it on, or wrong, it is refused.
    const untried = await manage('PATCH', 'manage/integrations/northwind', {
      body: { exchangeServer: { password: changed } },
    });
    expect(untried.status).toBe(400);
    expect(refusal(untried).path).toBe('exchangeServer.testMailbox');
    const wrong = await manage('PATCH', 'manage/integrations/northwind', {
      body: { exchangeServer: { password: WRONG_PASSWORD, testMailbox: ANNA } },
    });
    expect(wrong.status).toBe(400);
    expect(refusal(wrong)).toMatchObject({ path: 'exchangeServer.password' });
    expect(wrong.text).not.toContain(WRONG_PASSWORD);

    const readsBefore = host.ews.requests.filter((r) => r.operation === 'FindItem').length;
    const fixed = await manage('PATCH', 'manage/integrations/northwind', {
      body: { exchangeServer: { password: changed, testMailbox: ANNA } },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.text).not.toContain(changed);
    const view = fixed.json as ExchangeView;
    expect(view).toMatchObject({ consentState: 'granted', exchangeServer: { credentials: 'accepted' } });
    expect(view).not.toHaveProperty('consentError');
    const record = (await host.runtime.repos.integrations.get('northwind', { fresh: true }))!.value;
    expect(await host.runtime.secrets.get(record.exchangeServer!.passwordSecretName)).toBe(changed);
    await settle(host);
    // The trial, then one read per user with the new password.
    const reads = host.ews.requests.filter((r) => r.operation === 'FindItem').slice(readsBefore);
    expect(reads.map((r) => r.impersonated).sort()).toEqual([ANNA, BO, CECILIA]);
    const users = await manage('GET', 'manage/integrations/northwind/users');
    expect((users.json as { status: string }[]).every((u) => u.status === 'ok')).toBe(true);
    expect((await manage('GET', 'manage/dashboard')).json).toMatchObject({
      exchangeServerCredentialsRejected: [],
    });
  });

  it('changes the time zone without a trial, and refuses a URL that fails', async () => {
    const zone = await manage('PATCH', 'manage/integrations/northwind', {
      body: { exchangeServer: { timeZone: 'Europe/Helsinki' } },
    });
    expect(zone.status).toBe(200);
    expect((zone.json as ExchangeView).exchangeServer?.timeZone).toBe('Europe/Helsinki');
    const url = await manage('PATCH', 'manage/integrations/northwind', {
      body: { exchangeServer: { ewsUrl: `http://mail.${ORG}/EWS/Exchange.asmx`, testMailbox: ANNA } },
    });
    expect(url.status).toBe(400);
    expect(refusal(url)).toMatchObject({ path: 'exchangeServer.ewsUrl' });
    expect((await manage('GET', 'manage/integrations/northwind')).json).toMatchObject({
      exchangeServer: { ewsUrl: host.ews.url },
    });
  });

  it('removes the password with the integration', async () => {
    const record = (await host.runtime.repos.integrations.get('northwind-reviewer'))!.value;
    expect(await manage('DELETE', 'manage/integrations/northwind-reviewer')).toMatchObject({ status: 204 });
    expect(await host.runtime.secrets.get(record.exchangeServer!.passwordSecretName)).toBeUndefined();
  });

  it('documents the kind in the OpenAPI document, the password write-only', async () => {
    const doc = (await manage('GET', 'manage/openapi.json')).json as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    const create = doc.paths['/manage/integrations']?.post?.requestBody?.content['application/json']
      ?.schema as {
      properties: {
        exchangeServer: { properties: Record<string, { writeOnly?: boolean }>; required: string[] };
      };
    };
    expect(create.properties.exchangeServer.properties.password?.writeOnly).toBe(true);
    expect(create.properties.exchangeServer.required).toEqual(
      expect.arrayContaining([
        'ewsUrl',
        'userName',
        'password',
        'authentication',
        'accessMode',
        'testMailbox',
      ]),
    );
    expect(doc.paths['/manage/integrations/{id}/exchange/test']?.post).toBeDefined();
    expect(doc.paths['/manage/dashboard']?.get).toBeDefined();
  });
});

describe('Exchange Server URLs on loopback when the setting does not allow them', () => {
  const host = useTestHost({ settings: { EXCHANGE_ALLOW_LOOPBACK_HTTP: 'false' } });
  const manage = managementClient(host);

  it('refuses the EWS simulator’s plain http URL', async () => {
    host.ews.directory.addMailbox(ANNA);
    host.ews.directory.addAccount({ ...IMPERSONATOR, impersonation: true });
    const answer = await manage('POST', 'manage/integrations', {
      body: {
        id: 'loopback',
        name: 'Loopback',
        pbxUrl: 'https://pbx.example/hook',
        exchangeServer: {
          ewsUrl: host.ews.url,
          userName: IMPERSONATOR.userName,
          password: IMPERSONATOR.password,
          authentication: 'basic',
          accessMode: 'impersonation',
          testMailbox: ANNA,
        },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ path: 'exchangeServer.ewsUrl' });
    expect((answer.json as { error: string }).error).toMatch(/^urlNotHttps: /);
    expect(host.ews.requests).toEqual([]);
  });
});
