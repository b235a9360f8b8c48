// The operator console in a real browser against the local host: every click
// goes through the management API with the function key, and what the API
// refuses is shown on the page.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { bookingKeyHash } from '../../shared/booking/bookingCredential';
import type { BookingLogEntry } from '../../shared/booking/bookingLogEntry';
import { disablePbxEndpoint } from '../../shared/delivery/pbxEndpoint';
import { unavailableQueueStatistics } from '../../shared/queue/queueStatistics';
import { assembleRuntime, useRuntime } from '../../shared/runtime';
import { newBookingLogEntryId } from '../../shared/storage/bookingLogEntity';
import { managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { buildConsoleScripts, describeInBrowser, launchChromium, SCREENSHOTS } from './chromium';

describeInBrowser('operator console in Chromium', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  let browser: Browser;
  let page: Page;
  const apiCalls: string[] = [];
  /** Script errors and CSP violations; failed API calls (the 400s we provoke) are expected and not here. */
  const pageProblems: string[] = [];

  const shoot = (name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const tab = async (name: string) => {
    await page.getByRole('tab', { name }).click();
    await page.locator(`[role="tab"][aria-selected="true"]`, { hasText: name }).waitFor();
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    buildConsoleScripts();
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    // The consent link's Copy button writes to the clipboard; the test reads it back.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        pageProblems.push(message.text());
      }
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiCalls.push(`${request.method()} ${url.pathname}`);
    });
    // Compiling the console's scripts and starting Chromium beside the other suites on
    // 2 cores can pass jest's 30 s default; nothing here is a timed assertion.
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is served only with the key, with a strict content security policy', async () => {
    const withoutKey = await fetch(`${host.url}/api/console`);
    expect(withoutKey.status).toBe(401);
    const response = await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    await page.getByRole('heading', { name: 'Integrations', exact: true }).waitFor();
    // The key moved to sessionStorage and left the address bar.
    expect(page.url()).toBe(`${host.url}/api/console`);
    expect(await page.evaluate(() => sessionStorage.getItem('pbx-console-key'))).toBe(host.functionKey);
    const asset = await fetch(`${host.url}/api/console/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${host.url}/api/console/assets/..%2Fhost.json`)).status).toBe(404);
  });

  it('creates an integration, showing the API refusal at the field first', async () => {
    const form = page.locator('form[aria-labelledby="create-heading"]');
    await form.getByLabel('Id', { exact: true }).fill('Not An Id!');
    await form.getByLabel('Name', { exact: true }).fill('Acme AB');
    await form.getByLabel('PBX endpoint (URL)').fill('http://127.0.0.1:9/hook');
    await form.getByRole('button', { name: 'Create' }).click();
    const idInput = form.getByLabel('Id', { exact: true });
    await form.locator('input[aria-invalid="true"]').waitFor();
    const idError = await page.locator(`#${await idInput.getAttribute('id')}-error`).textContent();
    expect(idError).toContain('lower-case letters, digits and hyphens');
    await shoot('01-integrations-invalid');

    await idInput.fill('acme');
    await form.getByRole('button', { name: 'Create' }).click();
    const secret = await page.locator('.secret-value').textContent();
    expect(secret).toMatch(/^whsec_/);
    const row = page.locator('tbody tr', { hasText: 'Acme AB' });
    expect(await row.textContent()).toContain('waiting for the admin');
    // No standing link: the operator mints one (an unguessable token, not the id) when the admin needs it.
    expect(await row.getByRole('textbox').inputValue()).toBe('');
    await row.getByRole('button', { name: 'New link Acme AB' }).click();
    const linkBox = row.getByRole('textbox');
    // Polled from here, not with a string predicate in the page: the console's CSP forbids eval,
    // and Playwright evaluates a string predicate with it whenever the first check comes too early.
    let link = '';
    for (let tries = 0; tries < 100 && link === ''; tries++) {
      link = await linkBox.inputValue();
      if (link === '') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(link).toMatch(new RegExp(`^${host.url}/api/consent/[\\w-]{43}$`));
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(302);
    await shoot('02-integrations');

    await row.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Consent link copied.' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(link);

    await row.getByRole('button', { name: 'Deactivate Acme AB' }).click();
    await page.getByRole('button', { name: 'Activate Acme AB', exact: true }).waitFor();
    expect((await host.runtime.repos.integrations.get('acme'))?.value).toMatchObject({
      name: 'Acme AB',
      active: false,
      consentState: 'pending',
    });
  });

  it("mints the PBX's API key on the integrations tab, shown once, and the PBX can ask with it", async () => {
    const row = page.locator('tbody tr', { hasText: 'Contoso (demo)' });
    await row.getByRole('button', { name: 'PBX API key Contoso (demo)' }).click();
    const key = (await row.locator('.pbx-api-key').textContent()) ?? '';
    expect(key).toMatch(/^pbxk_demo_[\w-]{43}$/);
    await row.getByRole('button', { name: 'Copy', exact: true }).last().click();
    await page.getByRole('status').filter({ hasText: 'PBX API key copied.' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    const asked = await fetch(`${host.url}/api/pbx/v1/users/alice%40contoso.example/status`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(asked.status).toBe(200);
    await shoot('02b-integrations-pbx-api-key');
  });

  it('adds a user to the consented demo integration, with inline errors', async () => {
    host.simulator.addUser(DEMO_TENANT.id, {
      id: '00000000-0000-4000-8000-0000000000da',
      userPrincipalName: 'dave@contoso.example',
      mail: 'dave@contoso.example',
      displayName: 'Dave Demo',
    });
    await page.getByLabel('Integration', { exact: true }).selectOption(DEMO_INTEGRATION_ID);
    await tab('Users');
    const email = page.getByLabel('E-mail address');
    await email.fill('nobody@contoso.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('input[type="email"][aria-invalid="true"]').waitFor();
    const reason = await page.locator(`#${await email.getAttribute('id')}-error`).textContent();
    const direct = await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/users`, {
      body: { email: 'nobody@contoso.example' },
    });
    expect(direct.status).toBe(400);
    expect(reason).toBe((direct.json as { error: string }).error);

    await email.fill('dave@contoso.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'User added. dave@contoso.example' }).waitFor();
    await page.locator('tbody tr', { hasText: 'Dave Demo' }).waitFor();
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users.map((u) => u.email)).toContain('dave@contoso.example');
    await shoot('03-users');
  });

  it("edits a user's own trigger words, showing the API's refusal", async () => {
    const usersPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}`;
    await page.getByRole('button', { name: `Trigger words ${ALICE.mail}` }).click();
    const editor = page.locator('form#user-triggers');
    expect(await editor.getByText('No own trigger words.').count()).toBe(1);
    await editor.getByRole('button', { name: 'Add: phrase' }).click();
    await editor.getByLabel('Phrase 1', { exact: true }).fill('Padel');
    await editor.getByLabel('Reason: Phrase 1').selectOption('vacation');
    await editor.getByLabel('Call handling: Phrase 1').selectOption('diversion');
    await editor.getByRole('button', { name: 'Save trigger words' }).click();
    await editor.getByRole('status').filter({ hasText: 'Trigger words saved' }).waitFor();
    expect((await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value.triggers).toEqual([
      { phrase: 'Padel', reasonCode: 'vacation', callHandling: 'diversion' },
    ]);
    // The list shows the count, read back from the API's user list.
    await page
      .getByRole('button', { name: `Trigger words ${ALICE.mail}` })
      .filter({ hasText: '(1)' })
      .waitFor();

    // The same phrase twice (once folded): the API refuses, naming the row; the page shows its words.
    await editor.getByRole('button', { name: 'Add: phrase' }).click();
    await editor.getByLabel('Phrase 2', { exact: true }).fill('PADEL!');
    await editor.getByRole('button', { name: 'Save trigger words' }).click();
    const alert = editor.locator('.notice.error');
    await alert.filter({ hasText: 'userTriggers.1.phrase' }).waitFor();
    const direct = await manage('PUT', `${usersPath}/triggers`, {
      body: {
        triggers: [
          { phrase: 'Padel', reasonCode: 'vacation', callHandling: 'diversion' },
          { phrase: 'PADEL!', reasonCode: 'busy', callHandling: 'information' },
        ],
      },
    });
    expect(direct.status).toBe(400);
    expect(await alert.textContent()).toBe((direct.json as { error: string }).error);
    expect(await editor.getByLabel('Phrase 2', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // Nothing changed in storage.
    expect((await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value.triggers).toHaveLength(
      1,
    );
    await shoot('03b-user-triggers');
    await editor.getByLabel('Phrase 2', { exact: true }).fill('Gym');
    expect(await editor.getByLabel('Phrase 2', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await editor.getByRole('button', { name: 'Remove: Phrase 2' }).click();

    await page.getByRole('button', { name: `Send snapshot ${ALICE.mail}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Snapshot queued for ${ALICE.mail}` })
      .waitFor();
    expect(apiCalls).toEqual(
      expect.arrayContaining([`PUT /api/${usersPath}/triggers`, `POST /api/${usersPath}/snapshot`]),
    );
  });

  it('changes a rule, refuses an inconsistent one with the API reason, and tries an event', async () => {
    await tab('Rules');
    const rulesBefore =
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.rulesVersion ?? 0;

    // Free synced without a reason: the API refuses and says why.
    await page.getByLabel('Synced: Free').check();
    await page.getByRole('button', { name: 'Save rules' }).click();
    const alert = page.locator('.notice.error').filter({ hasText: 'free' });
    expect(await alert.textContent()).toContain('show as free is synced, so it needs a reason code');
    await page.getByLabel('Synced: Free').uncheck();

    await page.getByLabel('Call handling: Busy').selectOption('diversion');
    await page.getByRole('button', { name: 'Add: prefix' }).click();
    await page.getByLabel('Prefix 1', { exact: true }).fill('Lunch:');
    await page.getByLabel('Reason: Prefix 1').selectOption('lunch');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Rules saved' }).waitFor();
    const stored = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value;
    expect(stored?.rulesVersion).toBe(rulesBefore + 1);
    expect(stored?.ruleSet.availability.busy).toMatchObject({ sync: true, callHandling: 'diversion' });
    expect(stored?.ruleSet.availability.free.sync).toBe(false);
    expect(stored?.ruleSet.prefixes).toEqual([
      { prefix: 'Lunch:', reasonCode: 'lunch', callHandling: 'information' },
    ]);

    // Try it: a private-less busy hour with the prefix → lunch, decided by the prefix rule.
    const tryIt = page.locator('form.try-it');
    await tryIt.getByLabel('Subject').fill('Lunch: with the team');
    await tryIt.getByLabel('Show as').selectOption('busy');
    await tryIt.getByLabel('Time zone').fill('Europe/Stockholm');
    await tryIt.getByRole('button', { name: 'Try it' }).click();
    // The absence's facts; the status it would give follows in a list of its own.
    const result = page.locator('#try-it-result dl').first();
    await result.waitFor();
    const text = await result.textContent();
    // Shown in the zone the event was typed in: the same wall clock comes back.
    expect(text).toContain((await tryIt.getByLabel('Start').inputValue()).slice(11, 16));
    expect(text).toContain('Lunch (lunch)');
    expect(text).toContain('Information');
    expect(text).toContain('prefix');

    // And a plain busy hour falls to the availability row, now a diversion.
    await tryIt.getByLabel('Subject').fill('Customer call');
    await tryIt.getByRole('button', { name: 'Try it' }).click();
    await page.locator('#try-it-result dl', { hasText: 'Diversion' }).first().waitFor();
    expect(await page.locator('#try-it-result').textContent()).toContain('Busy (busy)');
    await shoot('04-rules');
  });

  it('tries an event and shows the status the absence alone would give', async () => {
    const tryIt = page.locator('form.try-it');
    // Two hours ahead, typed as a UTC wall clock: the status from its start, with the busy row's diversion.
    const ahead = hourFromNow(2);
    await tryIt.getByLabel('Subject').fill('Customer call');
    await tryIt.getByLabel('Time zone').fill('UTC');
    await tryIt.getByLabel('Start').fill(ahead.startIso.slice(0, 16));
    await tryIt.getByLabel('End').fill(ahead.endIso.slice(0, 16));
    await tryIt.getByRole('button', { name: 'Try it' }).click();
    const facts = page.locator('#try-it-result .status-facts');
    await facts.waitFor();
    expect(await page.locator('#try-it-result').textContent()).toContain('The user\u2019s status would be');
    expect(await facts.locator('[data-fact="now"]').textContent()).toBe('Away: Busy (busy), Diversion');
    expect(await facts.locator('[data-fact="until"]').textContent()).toContain(ahead.endIso.slice(11, 16));
    expect(await facts.locator('[data-fact="return"]').textContent()).not.toBe('');
    expect(await facts.locator('[data-fact="next"]').textContent()).toContain('Available');
    expect(await facts.locator('[data-fact="announcement"]').textContent()).toContain('Busy');
    await shoot('04b-try-it-status');
  });

  it('shows the health figures after a sync, as the dashboard route reports them', async () => {
    await settle(host);
    const graph = await graphAs(host);
    const slot = hourFromNow(2);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Customer call',
      showAs: 'busy',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    const delivered = host.sink?.received.find(
      (hook) => hook.event.type === 'absence.upserted' && JSON.stringify(hook.event).includes(slot.startIso),
    );
    expect(delivered?.event).toMatchObject({ data: { absence: { callHandling: 'diversion' } } });

    await tab('Health');
    await page.locator('.figures[aria-busy="false"]').waitFor();
    const figure = async (id: string) => page.locator(`[data-figure="${id}"] dd`).textContent();
    const api = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`)).json as {
      users: { total: number; updatedLastHour: number; neverUpdated: number; inError: number };
      deliveries: { available: true; active: number; scheduled: number; deadLettered: number };
      deadLetters: Record<'sync' | 'deliveries', { count: number }>;
    };
    expect(api.users.total).toBe(4);
    expect(api.users.updatedLastHour).toBe(4);
    expect(await figure('users-total')).toBe('4');
    expect(await figure('updated-last-hour')).toBe(String(api.users.updatedLastHour));
    expect(await figure('never-updated')).toBe(String(api.users.neverUpdated));
    expect(await figure('in-error')).toBe('0');
    expect(await figure('delivery-failed')).toBe('0');
    expect(Number(await figure('delivery-delivered'))).toBeGreaterThanOrEqual(1);
    expect(await figure('last-sync')).not.toBe('never');
    expect(api.deliveries.available).toBe(true);
    expect(await figure('queued')).toBe(String(api.deliveries.active));
    expect(await figure('queue-scheduled')).toBe(String(api.deliveries.scheduled));
    expect(await figure('dead-lettered')).toBe(String(api.deliveries.deadLettered));
    expect(await figure('dead-letters-sync')).toBe(String(api.deadLetters.sync.count));
    expect(await figure('dead-letters-deliveries')).toBe(String(api.deadLetters.deliveries.count));
    expect(await page.getByText('No dead letters for this integration.').count()).toBe(1);
    await shoot('05-health');
  });

  it('shows the queue figures as unavailable, with the reason, when they cannot be read', async () => {
    const reason = 'not allowed: reading queue statistics needs the Manage right on Service Bus';
    useRuntime(assembleRuntime({ ...host.runtime, queueStatistics: unavailableQueueStatistics(reason) }));
    try {
      await page.locator('#health-refresh').click();
      await page.locator('[data-figure="queued"] dd', { hasText: 'unavailable' }).waitFor();
      const figure = async (id: string) => page.locator(`[data-figure="${id}"] dd`).textContent();
      expect(await figure('queued')).toBe(`unavailable: ${reason}`);
      expect(await figure('queue-scheduled')).toBe('unavailable');
      expect(await figure('dead-lettered')).toBe('unavailable');
      expect(await figure('users-total')).toBe('4');
    } finally {
      useRuntime(host.runtime);
    }
  });

  it('lists the integration’s dead letters and sends them back', async () => {
    const users = host.runtime.repos.users;
    const get = users.get;
    // Alice's row cannot be read: her sync fails on every attempt and is dead-lettered.
    users.get = async (integrationId, userId) => {
      if (userId === ALICE.id)
        throw Object.assign(new Error('The server is busy.'), { name: 'RestError', statusCode: 503 });
      return get.call(users, integrationId, userId);
    };
    let count = 0;
    try {
      host.simulator.createEvent(ALICE.id, { subject: 'Dentist', showAs: 'oof', ...hourFromNow(6) });
      await settle(host);
      // The leading sync and its follow-up (leading-edge coalescing) both failed; the follow-up
      // folded into the leading sync's retry, so one failing user is one dead letter.
      const dead = host.queue.deadLetters('sync');
      count = dead.length;
      expect(count).toBe(1);
      expect(dead.every((letter) => (letter.body as { userId?: string }).userId === ALICE.id)).toBe(true);
    } finally {
      Object.assign(users, { get });
    }
    await page.locator('#health-refresh').click();
    await page.locator('[data-figure="dead-letters-sync"] dd', { hasText: String(count) }).waitFor();
    const row = page.locator('tr', { hasText: ALICE.id }).first();
    expect(await row.textContent()).toContain('MaxDeliveryCountExceeded: RestError (503)');

    await page.getByRole('button', { name: 'Send the dead letters back' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Sent back: ${count}` })
      .waitFor();
    await settle(host);
    expect(host.queue.deadLetters('sync')).toEqual([]);
    await page.locator('#health-refresh').click();
    await page.locator('[data-figure="dead-letters-sync"] dd', { hasText: '0' }).waitFor();
    expect(await page.getByText('No dead letters for this integration.').count()).toBe(1);
  });

  it('replays failed deliveries, and enables a disabled PBX endpoint first', async () => {
    const replayCall = `POST /api/manage/integrations/${DEMO_INTEGRATION_ID}/deliveries/replay`;
    await page.getByRole('button', { name: 'Replay failed deliveries' }).click();
    await page.getByRole('status').filter({ hasText: 'Failed webhooks queued again: 0' }).waitFor();
    expect(apiCalls.filter((call) => call === replayCall)).toHaveLength(1);
    expect(await page.getByRole('button', { name: 'Enable PBX endpoint' }).count()).toBe(0);

    // As after a 410 Gone from the PBX: replay is refused with the API's reason until it is enabled.
    await disablePbxEndpoint(DEMO_INTEGRATION_ID, 'the PBX answered 410 Gone', {
      integrations: host.runtime.repos.integrations,
      now: host.runtime.now,
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const enable = page.getByRole('button', { name: 'Enable PBX endpoint' });
    await enable.waitFor();
    await page.getByRole('button', { name: 'Replay failed deliveries' }).click();
    const refusal = page.locator('.notice.error').filter({ hasText: 'disabled' });
    expect(await refusal.textContent()).toBe(
      'the PBX endpoint is disabled (the PBX answered 410 Gone); enable it first',
    );
    await shoot('05b-health-endpoint-disabled');
    await enable.click();
    await page.getByRole('status').filter({ hasText: 'The PBX endpoint is enabled again.' }).waitFor();
    expect(await enable.count()).toBe(0);
    expect(await page.locator('[data-figure="endpoint"] dd').textContent()).toBe('active');
    expect(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.pbxEndpoint,
    ).toBeUndefined();
    expect(apiCalls).toEqual(
      expect.arrayContaining([`POST /api/manage/integrations/${DEMO_INTEGRATION_ID}/pbx/enable`]),
    );
  });

  it('saves settings and rotates the PBX secret, showing the new one once', async () => {
    await tab('Settings');
    const days = page.getByLabel('Days forward to sync');
    await days.fill('500');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('input[type="number"][aria-invalid="true"]').waitFor();
    expect(await page.locator(`#${await days.getAttribute('id')}-error`).textContent()).toContain(
      'settings.syncDaysForward',
    );
    await days.fill('30');
    await page.getByLabel('Private events').selectOption('busyWithoutSubject');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.ruleSet.settings).toEqual({
      syncDaysForward: 30,
      showSubjects: false,
      privateEvents: 'busyWithoutSubject',
    });

    await page.getByRole('button', { name: 'Rotate the PBX signing secret' }).click();
    const secret = await page.locator('.secret-value').textContent();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(host.pbxSecret);
    await shoot('06-settings');
  });

  it('names the permissions an admin removed on the integrations tab', async () => {
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
    await host.runtime.repos.integrations.update(
      {
        ...stored!.value,
        consentState: 'permissionsMissing',
        missingPermissions: ['Calendars.Read'],
        consentError: 'the tenant no longer grants Calendars.Read',
      },
      stored!.etag,
    );
    try {
      await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
      const row = page.locator('tbody tr', { hasText: 'Contoso (demo)' });
      await row.locator('.consent-permissionsMissing').waitFor();
      expect(await row.locator('.consent-permissionsMissing').textContent()).toBe('permissions missing');
      expect(await row.locator('.missing-permissions').textContent()).toBe('Calendars.Read');
      expect(await row.textContent()).toContain('The admin has to grant again:');
    } finally {
      const current = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
      const { missingPermissions: _m, consentError: _e, ...granted } = current!.value;
      await host.runtime.repos.integrations.update({ ...granted, consentState: 'granted' }, current!.etag);
      await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
    }
  });

  it("shows a user's status and a timeline with overlapping absences, in English and Swedish", async () => {
    await page.getByLabel('Integration', { exact: true }).selectOption(DEMO_INTEGRATION_ID);
    // Tomorrow: out of office for eight hours, a busy hour (a diversion) and a lunch inside it.
    const span = (fromHours: number, hours: number) => {
      const start = hourFromNow(fromHours);
      const end = new Date(Date.parse(start.startIso) + hours * 3_600_000);
      return {
        start: start.start,
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
        startIso: start.startIso,
      };
    };
    const offsite = span(24, 8);
    const boardCall = span(26, 1);
    const teamLunch = span(28, 1);
    for (const [subject, showAs, { start, end }] of [
      ['Offsite', 'oof', offsite],
      ['Board call', 'busy', boardCall],
      ['Lunch: team', 'busy', teamLunch],
    ] as const) {
      host.simulator.createEvent(ALICE.id, { subject, showAs, start, end });
    }
    await settle(host);

    await tab('Users');
    const open = async (label: string) => {
      await page.getByRole('button', { name: `${label} ${ALICE.mail}` }).click();
      await page.locator('#user-status .status-body[aria-busy="false"] svg.status-chart').waitFor();
    };
    await open('Status and timeline');
    const api = (
      await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/status?days=3`)
    ).json as {
      status: {
        current: { status: string; reason?: { code: string; name: string }; callHandling?: string };
        announcement: { text: string };
      };
      timeline: { status: string; reason?: { code: string } }[];
      absences: { id: string; start: string; reason: { code: string } }[];
    };
    const panel = page.locator('#user-status');
    const current = api.status.current;
    expect(await panel.locator('[data-fact="now"]').textContent()).toBe(
      current.status === 'available'
        ? 'Available'
        : `Away: ${current.reason?.name} (${current.reason?.code}), ${current.callHandling === 'diversion' ? 'Diversion' : 'Information'}`,
    );
    expect(await panel.locator('[data-fact="announcement"]').textContent()).toBe(
      api.status.announcement.text,
    );
    // One bar per state on the status lane, one per absence below it.
    const segments = panel.locator('rect.segment');
    expect(await segments.count()).toBe(api.timeline.length);
    expect(await panel.locator('rect.segment.state-away').count()).toBe(
      api.timeline.filter((segment) => segment.status === 'away').length,
    );
    expect(await panel.locator('rect.absence').count()).toBe(api.absences.length);
    const bar = (startIso: string) => {
      const absence = api.absences.find((each) => each.start === startIso);
      expect(absence).toBeDefined();
      return panel.locator(`rect.absence[data-absence="${absence?.id}"]`);
    };
    const colour = async (startIso: string) =>
      (await bar(startIso).getAttribute('class'))?.split(' ').find((name) => name.startsWith('reason-'));
    // The board call and the lunch overlap the day out of office: each below it on a lane of its own.
    const offsiteLane = await bar(offsite.startIso).getAttribute('data-lane');
    expect(await bar(boardCall.startIso).getAttribute('data-lane')).not.toBe(offsiteLane);
    expect(await bar(teamLunch.startIso).getAttribute('data-lane')).not.toBe(offsiteLane);
    expect(await bar(boardCall.startIso).getAttribute('class')).toContain('handling-diversion');
    // Coloured by reason.
    expect(await colour(offsite.startIso)).not.toBe(await colour(teamLunch.startIso));
    expect(await colour(offsite.startIso)).not.toBe(await colour(boardCall.startIso));
    expect(await panel.locator('.legend').textContent()).toContain('Out of office');
    await shoot('08-user-status');

    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await open('Status och tidslinje');
    expect(await panel.locator('h3').textContent()).toBe(`Status och tidslinje för ${ALICE.mail}`);
    expect(await panel.locator('dt').first().textContent()).toBe('Nu');
    expect(await panel.locator('.lane-label').allTextContents()).toEqual(['Status', 'Frånvaro']);
    expect(await panel.locator('rect.absence').count()).toBe(api.absences.length);
    await shoot('08b-user-status-sv');
    await page.getByRole('button', { name: 'Switch language to English' }).click();
    await page.getByRole('tab', { name: 'Users' }).waitFor();
  });

  it('edits the status rules on the settings tab, with the API refusal at the field', async () => {
    await tab('Settings');
    const lunch = page.getByLabel('Priority: Lunch');
    await page.getByLabel('Announcement language').selectOption('sv');
    await page.getByLabel('Return times at the start of working hours').uncheck();
    await page.getByLabel('Step 1', { exact: true }).selectOption('reasonPriority');
    await page.getByLabel('Step 2', { exact: true }).selectOption('callHandling');
    await lunch.fill('1.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('input[type="number"][aria-invalid="true"]').waitFor();
    expect(await lunch.getAttribute('aria-invalid')).toBe('true');
    const reason = await page.locator(`#${await lunch.getAttribute('id')}-error`).textContent();
    expect(reason).toContain('status.precedence.reasonPriority.lunch');
    const integration = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`)).json as {
      ruleSet: { status: Record<string, unknown> };
    };
    const direct = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: {
        ...integration.ruleSet,
        status: {
          ...integration.ruleSet.status,
          precedence: { order: ['reasonPriority'], reasonPriority: { lunch: 1.5 } },
        },
      },
    });
    expect(direct.status).toBe(400);
    expect(reason).toBe((direct.json as { error: string }).error);
    expect(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.ruleSet.status.language,
    ).toBe('en');

    await lunch.fill('5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.ruleSet.status).toEqual({
      send: true,
      useWorkingHours: false,
      language: 'sv',
      precedence: { order: ['reasonPriority', 'callHandling', 'laterStart'], reasonPriority: { lunch: 5 } },
    });
    // Drawn again from the saved rules.
    expect(await page.getByLabel('Announcement language').inputValue()).toBe('sv');
    expect(await page.getByLabel('Step 1', { exact: true }).inputValue()).toBe('reasonPriority');
    expect(await page.getByLabel('Priority: Lunch').inputValue()).toBe('5');
    expect(await page.getByLabel('Return times at the start of working hours').isChecked()).toBe(false);
    await shoot('09-status-settings');
  });

  it('edits the Outlook automatic replies row on the rules tab, with the API refusal at the field', async () => {
    const demoPath = `manage/integrations/${DEMO_INTEGRATION_ID}`;
    // The page is served only with the key in the address, as an operator's bookmark-free link gives it.
    const reopenRules = async () => {
      await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
      await page.locator('#integration-picker').selectOption(DEMO_INTEGRATION_ID);
      await tab('Rules');
    };
    type Stored = { ruleSet: Record<string, unknown> & { automaticReplies: Record<string, unknown> } };
    // As an integration saved before the row existed reads it: off.
    const before = (await manage('GET', demoPath)).json as Stored;
    const off = { sync: false, callHandling: 'information' };
    expect(
      (await manage('PUT', `${demoPath}/rules`, { body: { ...before.ruleSet, automaticReplies: off } }))
        .status,
    ).toBe(200);
    await reopenRules();
    const synced = page.getByLabel('Synced: Outlook automatic replies', { exact: true });
    const reason = page.getByLabel('Reason: Outlook automatic replies', { exact: true });
    const handling = page.getByLabel('Call handling: Outlook automatic replies', { exact: true });
    expect(await synced.isChecked()).toBe(false);
    expect(await reason.inputValue()).toBe('');

    // Synced without a reason: the API refuses, and the console says so at the reason.
    await synced.check();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.locator('select[aria-invalid="true"]').waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    const refusal = await page.locator(`#${await reason.getAttribute('aria-describedby')}`).textContent();
    const direct = await manage('PUT', `${demoPath}/rules`, {
      body: { ...before.ruleSet, automaticReplies: { sync: true, callHandling: 'information' } },
    });
    expect(direct.status).toBe(400);
    expect(refusal).toBe((direct.json as { error: string }).error);
    expect(refusal).toContain('automatic replies are synced, so they need a reason code');
    // Only at the field: no notice of the tab repeats it.
    expect((await page.locator('.notice.error').allTextContents()).join('')).toBe('');
    expect(((await manage('GET', demoPath)).json as Stored).ruleSet.automaticReplies).toEqual(off);
    await shoot('10a-automatic-replies-refused');

    await reason.selectOption('vacation');
    await handling.selectOption('diversion');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Rules saved' }).waitFor();
    const saved = { sync: true, reasonCode: 'vacation', callHandling: 'diversion' };
    expect(((await manage('GET', demoPath)).json as Stored).ruleSet.automaticReplies).toEqual(saved);

    // Drawn from the stored rules on a fresh load of the page.
    await reopenRules();
    expect(await synced.isChecked()).toBe(true);
    expect(await reason.inputValue()).toBe('vacation');
    expect(await handling.inputValue()).toBe('diversion');
    expect(await reason.getAttribute('aria-invalid')).toBeNull();
    await shoot('10-automatic-replies');
  });

  it('creates an Exchange Server integration, tests its connection and shows whether Exchange accepts it', async () => {
    const account = { userName: 'NORTHWIND\\svc-console', password: 'console-Ews-Secret-1' };
    const anna = 'anna@northwind.example';
    host.ews.directory.addMailbox(anna);
    host.ews.directory.addAccount({ ...account, impersonation: true });
    await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
    const form = page.locator('form[aria-labelledby="create-heading"]');
    await form.getByLabel('Kind', { exact: true }).selectOption('exchangeServer');
    // Consent is Microsoft 365's: the mode is hidden, the EWS connection shown.
    expect(await form.getByLabel('Consent mode').isVisible()).toBe(false);
    await form.getByLabel('Id', { exact: true }).fill('onprem');
    await form.getByLabel('Name', { exact: true }).fill('Northwind on-prem');
    await form.getByLabel('PBX endpoint (URL)').fill('https://pbx.example/hook');
    await form.getByLabel('EWS URL').fill(host.ews.url);
    await form.getByLabel('Service account (UPN or DOMAIN\\user)').fill(account.userName);
    const password = form.getByLabel('Password', { exact: true });
    expect(await password.getAttribute('type')).toBe('password');
    await password.fill('a-wrong-password');
    await form.getByLabel('Sign-in').selectOption('basic');
    await form.getByLabel('Mailbox access').selectOption('impersonation');
    await form.getByLabel('Mailbox to test on').fill(anna);
    await form.getByRole('button', { name: 'Test connection and create' }).click();
    await form.locator('input[type="password"][aria-invalid="true"]').waitFor();
    const refused = await page.locator(`#${await password.getAttribute('id')}-error`).textContent();
    expect(refused).toMatch(/^credentialsRejected: /);
    // Typed once, never kept on the page.
    expect(await password.inputValue()).toBe('');
    expect(await host.runtime.repos.integrations.get('onprem')).toBeUndefined();
    await shoot('11a-exchange-refused');

    await password.fill(account.password);
    await form.getByRole('button', { name: 'Test connection and create' }).click();
    expect(await page.locator('.secret-value').textContent()).toMatch(/^whsec_/);
    const row = page.locator('tbody tr', { hasText: 'Northwind on-prem' });
    await row.locator('.credentials-accepted').waitFor();
    expect(await row.textContent()).toContain('Exchange Server');
    expect(await row.textContent()).toContain('no consent needed');
    expect(await row.getByRole('button', { name: /New link/ }).count()).toBe(0);
    await page.locator('.overview-counts').filter({ hasText: 'Exchange Server: 1' }).waitFor();
    await shoot('11-exchange-created');

    await page.locator('#integration-picker').selectOption('onprem');
    await tab('Settings');
    const panel = page.locator('section.exchange-server');
    expect(await panel.locator('[data-exchange="ews-url"] dd').textContent()).toBe(host.ews.url);
    expect(await panel.locator('.credentials-accepted').count()).toBe(1);
    const test = page.locator('form#exchange-test');
    const mailbox = test.getByLabel('Mailbox to test on');
    await mailbox.fill('nobody@northwind.example');
    await test.getByRole('button', { name: 'Test connection' }).click();
    await test.locator('input[aria-invalid="true"]').waitFor();
    expect(await page.locator(`#${await mailbox.getAttribute('id')}-error`).textContent()).toMatch(
      /^No such mailbox: /,
    );
    await mailbox.fill(anna);
    await test.getByRole('button', { name: 'Test connection' }).click();
    await test.getByRole('status').filter({ hasText: 'The connection works:' }).waitFor();
    expect(await mailbox.getAttribute('aria-invalid')).toBeNull();
    await shoot('12-exchange-settings');

    // The customer's admin changes the password; the next sync meets Exchange's refusal.
    expect((await manage('POST', 'manage/integrations/onprem/users', { body: { email: anna } })).status).toBe(
      201,
    );
    await settle(host);
    const changed = 'changed-Ews-Secret-2';
    host.ews.directory.addAccount({ userName: account.userName, password: changed, impersonation: true });
    expect((await manage('POST', 'manage/integrations/onprem/resync')).status).toBe(202);
    await settle(host);
    await page.goto(`${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}`);
    await page
      .locator('tbody tr', { hasText: 'Northwind on-prem' })
      .locator('.credentials-rejected')
      .waitFor();
    await page.locator('.overview-rejected').filter({ hasText: 'Northwind on-prem' }).waitFor();
    await page.locator('#integration-picker').selectOption('onprem');
    await tab('Settings');
    expect(await page.locator('section.exchange-server .credentials-rejected').textContent()).toContain(
      'rejected by Exchange',
    );
    await shoot('13a-exchange-rejected');

    const change = page.locator('form#exchange-connection');
    const newPassword = change.getByLabel('New password (empty: keep the saved one)');
    expect(await newPassword.getAttribute('type')).toBe('password');
    expect(await newPassword.inputValue()).toBe('');
    await newPassword.fill(changed);
    await change.getByLabel('Mailbox to test on').fill(anna);
    await change.getByRole('button', { name: 'Test and save' }).click();
    await page.getByRole('status').filter({ hasText: 'Connection saved; Exchange accepted it.' }).waitFor();
    expect(await page.locator('section.exchange-server .credentials-accepted').count()).toBe(1);
    expect((await host.runtime.repos.integrations.get('onprem', { fresh: true }))?.value.consentState).toBe(
      'granted',
    );
    const content = await page.content();
    for (const secret of [account.password, changed]) expect(content).not.toContain(secret);
    await shoot('13-exchange-recovered');
    await page.locator('#integration-picker').selectOption(DEMO_INTEGRATION_ID);
  });

  it('turns call-centre booking on with a group, mints a key shown once and shows the booking log', async () => {
    const FIELD_STAFF = '5e1d5e1d-0000-4000-8000-00000000f1e1';
    const PLAIN = '5e1d5e1d-0000-4000-8000-00000000a1a1';
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: FIELD_STAFF,
      displayName: 'Field staff',
      memberIds: [ALICE.id],
      securityEnabled: true,
      mailEnabled: true,
    });
    host.simulator.setGroup(DEMO_TENANT.id, { id: PLAIN, memberIds: [ALICE.id] });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const logLine = (minutes: number, line: Partial<BookingLogEntry>): BookingLogEntry => ({
      integrationId: DEMO_INTEGRATION_ID,
      entryId: newBookingLogEntryId(minutesAgo(minutes)),
      at: minutesAgo(minutes).toISOString(),
      credentialId: '3f2a9c0b1d4e',
      credential: 'current',
      action: 'book',
      result: 'done',
      ...line,
    });
    await host.runtime.repos.bookingLog.record(
      logLine(30, { bookingId: 'bk-0001', userId: ALICE.id, subject: 'Service visit' }),
    );
    await host.runtime.repos.bookingLog.record(
      logLine(5, { action: 'move', result: 'slotTaken', bookingId: 'bk-0001', userId: ALICE.id }),
    );

    await tab('Booking');
    const form = page.locator('form#booking-settings');
    const group = form.getByLabel('Group (Entra object id of a mail-enabled security group)');
    await form.getByLabel('The call centre may book').check();
    await group.fill(PLAIN);
    await form.getByRole('button', { name: 'Save booking' }).click();
    await form.locator('input[aria-invalid="true"]').waitFor();
    expect(await page.locator(`#${await group.getAttribute('id')}-error`).textContent()).toContain(
      'not a mail-enabled security group',
    );
    expect(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value.booking,
    ).toBe(undefined);

    await group.fill(FIELD_STAFF);
    await form.getByRole('button', { name: 'Save booking' }).click();
    await page.getByRole('status').filter({ hasText: 'Booking settings saved.' }).waitFor();
    expect(await page.locator('.booking-group-name').textContent()).toContain('Field staff');
    expect(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value.booking,
    ).toMatchObject({ enabled: true, groupId: FIELD_STAFF });
    expect(await page.locator('[data-booking="credential"] dd').textContent()).toBe('none');

    await page.getByRole('button', { name: 'New key' }).click();
    const key = (await page.locator('.booking-key').textContent()) ?? '';
    expect(key).toMatch(/^ccbk_demo_[\w-]{43}$/);
    expect(await page.locator('.booking-key-once').textContent()).toContain('not shown again');
    const credentialId = bookingKeyHash(key).slice(0, 12);
    await page.locator('[data-booking="credential"] dd', { hasText: credentialId }).waitFor();
    // The key is on the page this once; its hash never.
    expect(await page.content()).not.toContain(bookingKeyHash(key));
    const shown = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/booking`);
    expect(shown.text).not.toContain(key);

    const rows = page.locator('section[aria-labelledby="booking-log-heading"] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('move');
    expect(await rows.nth(0).textContent()).toContain('slot taken');
    expect(await rows.nth(1).textContent()).toContain('bk-0001');
    expect(await rows.nth(1).textContent()).toContain('3f2a9c0b1d4e');
    await shoot('14-booking');

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'Every call-centre key is revoked.' }).waitFor();
    expect(await page.locator('.booking-key').count()).toBe(0);
    expect(await page.locator('[data-booking="credential"] dd').textContent()).toBe('none');
  });

  it('speaks Swedish on request, and used nothing but the management API', async () => {
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await page.getByRole('tab', { name: 'Regler' }).click();
    await page.getByRole('heading', { name: /^Regler: / }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('sv');
    expect(await page.getByRole('tab', { name: 'Hälsa' }).count()).toBe(1);
    expect(await page.getByLabel('Synkas: Automatiska svar i Outlook', { exact: true }).isChecked()).toBe(
      true,
    );
    await shoot('07-rules-sv');

    const outsideApi = apiCalls.filter(
      (call) => !/^[A-Z]+ \/api\/(manage\/|console$|console\/assets\/[a-zA-Z]+\.(js|css)$)/.test(call),
    );
    expect(outsideApi).toEqual([]);
    expect(pageProblems).toEqual([]);
    expect(apiCalls).toEqual(expect.arrayContaining(['PUT /api/manage/integrations/demo/rules']));
  });
});
