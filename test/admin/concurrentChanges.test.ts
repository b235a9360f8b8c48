// Operators click at the same time, and syncs write the same rows meanwhile.
// Whatever interleaving the storage sees, every answer is a success or a 409
// with a reason (never a 500), and what is stored in the end is what one of
// the successful requests asked for.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { replaceSubscription } from '../../shared/subscriptions/subscriptionKeeper';
import { isCodeCallback, mintLink, walk } from '../consent/consentWalk';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';
import { type Answer, fetchManual, managementClient } from './managementClient';

describe('concurrent changes of one stored row', () => {
  let manage: ReturnType<typeof managementClient>;

  const host = useTestHost();
  beforeAll(async () => {
    manage = managementClient(host);
    await settle(host);
  });

  /** The answers of all requests, fired at once. */
  const together = (requests: (() => Promise<Answer>)[]) => Promise.all(requests.map((send) => send()));

  const expectSuccessOrConflict = (answers: Answer[], success: number[]) => {
    for (const answer of answers) {
      if (answer.status === 409) {
        expect(answer.json).toEqual({ error: expect.stringMatching(/\S/) });
      } else {
        // The body rides along so a 500 shows what went wrong.
        expect(`${answer.status} ${answer.text}`).toMatch(new RegExp(`^(${success.join('|')}) `));
      }
    }
  };

  it('renames and pending addresses on one integration at once: each lands or is a 409', async () => {
    const id = 'busy';
    const created = await manage('POST', 'manage/integrations', {
      body: { id, name: 'Busy', pbxUrl: 'https://pbx.example/hooks' },
    });
    expect(created.status).toBe(201);
    const names = Array.from({ length: 8 }, (_, i) => `Busy ${i}`);
    const addresses = Array.from({ length: 8 }, (_, i) => `pending${i}@contoso.example`);
    const renames = names.map(
      (name) => () => manage('PATCH', `manage/integrations/${id}`, { body: { name } }),
    );
    const additions = addresses.map(
      (email) => () => manage('POST', `manage/integrations/${id}/users`, { body: { email } }),
    );
    // Interleaved, so renames and additions race for the same row.
    const answers = await together(renames.flatMap((rename, i) => [rename, additions[i]!]));
    const renamed = answers.filter((_, i) => i % 2 === 0);
    const added = answers.filter((_, i) => i % 2 === 1);
    expectSuccessOrConflict(renamed, [200]);
    expectSuccessOrConflict(added, [202]);
    expect(answers.some((a) => a.status !== 409)).toBe(true);

    const stored = (await host.runtime.repos.integrations.get(id))?.value;
    const landedNames = names.filter((_, i) => renamed[i]?.status === 200);
    if (landedNames.length > 0) expect(landedNames).toContain(stored?.name);
    else expect(stored?.name).toBe('Busy');
    // An address answered 202 is kept; one answered 409 is not.
    const pending = (stored?.pendingUsers ?? []).map((p) => p.address).sort();
    expect(pending).toEqual(addresses.filter((_, i) => added[i]?.status === 202).sort());
  });

  it('withdraws pending addresses at once: each is gone or is a 409', async () => {
    const id = 'withdrawn';
    const addresses = Array.from({ length: 8 }, (_, i) => `w${i}@contoso.example`);
    expect(
      (
        await manage('POST', 'manage/integrations', {
          body: { id, name: 'Withdrawn', pbxUrl: 'https://pbx.example/hooks', users: addresses },
        })
      ).status,
    ).toBe(201);
    const answers = await together(
      addresses.map(
        (address) => () => manage('DELETE', `manage/integrations/${id}/users/${encodeURIComponent(address)}`),
      ),
    );
    expectSuccessOrConflict(answers, [204]);
    const left = ((await host.runtime.repos.integrations.get(id))?.value.pendingUsers ?? []).map(
      (p) => p.address,
    );
    expect(left.sort()).toEqual(addresses.filter((_, i) => answers[i]?.status === 409).sort());
  });

  it("sets a user's trigger words many times at once, while the syncs they start write the same row", async () => {
    const phrases = Array.from({ length: 8 }, (_, i) => `Padel ${i}`);
    const answers = await together(
      phrases.map(
        (phrase) => () =>
          manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/triggers`, {
            body: { triggers: [{ phrase, reasonCode: 'out-of-office', callHandling: 'diversion' }] },
          }),
      ),
    );
    expectSuccessOrConflict(answers, [200]);
    const landed = phrases.filter((_, i) => answers[i]?.status === 200);
    expect(landed.length).toBeGreaterThan(0);
    await settle(host);
    const stored = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value;
    expect(stored?.triggers).toHaveLength(1);
    expect(landed).toContain(stored?.triggers?.[0]?.phrase);
    // The syncs the changes queued ran on the stored row and left it healthy.
    expect(stored?.status).toBe('ok');
  });

  it("records the admin's consent and provisions its users while an operator renames the integration", async () => {
    const id = 'consenting';
    const created = await manage('POST', 'manage/integrations', {
      body: { id, name: 'Consenting', pbxUrl: 'https://pbx.example/hooks', users: [ALICE.mail] },
    });
    expect(created.status).toBe(201);
    host.simulator.answerAdminConsent({ kind: 'grant', tenantId: DEMO_TENANT.id });
    // Up to the callback that carries the sign-in's code: the one that records the consent.
    const { hops } = await walk(await mintLink(host, id), { stopAt: isCodeCallback });
    const callback = hops.at(-1) ?? '';
    expect(callback).toContain('/api/consent/callback');

    // The operator's rename lands between the callback's read and its write, once for recording the
    // consent and once for clearing the pending addresses it provisioned: the worst moments to click.
    const integrations = host.runtime.repos.integrations;
    const update = integrations.update;
    const renames: Answer[] = [];
    const interrupted = new Set<string>();
    integrations.update = async (record, etag) => {
      const step = record.pendingUsers ? 'record consent' : 'clear pending';
      if (record.id === id && record.consentState === 'granted' && !interrupted.has(step)) {
        interrupted.add(step);
        renames.push(await manage('PATCH', `manage/integrations/${id}`, { body: { name: step } }));
      }
      return update.call(integrations, record, etag);
    };
    let page: Awaited<ReturnType<typeof fetchManual>>;
    try {
      page = await fetchManual(callback, { 'accept-language': 'en' });
      await settle(host);
    } finally {
      integrations.update = update;
    }
    expect([...interrupted]).toEqual(['record consent', 'clear pending']);
    expect(renames.map((r) => r.status)).toEqual([200, 200]);
    expect(page.text).toContain('data-outcome="granted"');
    const stored = (await integrations.get(id))?.value;
    expect(stored).toMatchObject({
      consentState: 'granted',
      tenantId: DEMO_TENANT.id,
      name: 'clear pending',
    });
    // The address asked for before consent became a user and left the pending list.
    expect(stored?.pendingUsers).toBeUndefined();
    expect((await host.runtime.repos.users.listByIntegration(id)).map((u) => u.email)).toEqual([ALICE.mail]);
  });

  it('notes a declined consent even when the operator renames the integration meanwhile', async () => {
    const id = 'declining';
    const created = await manage('POST', 'manage/integrations', {
      body: { id, name: 'Declining', pbxUrl: 'https://pbx.example/hooks' },
    });
    expect(created.status).toBe(201);
    host.simulator.answerAdminConsent({
      kind: 'error',
      error: 'access_denied',
      description: 'AADSTS65004: User declined to consent to access the app.',
    });
    const { hops } = await walk(await mintLink(host, id), {
      stopAt: (url) => url.includes('/api/consent/callback'),
    });
    const callback = hops.at(-1) ?? '';

    const integrations = host.runtime.repos.integrations;
    const update = integrations.update;
    let renamed: Answer | undefined;
    integrations.update = async (record, etag) => {
      if (record.id === id && record.consentError && !renamed) {
        renamed = await manage('PATCH', `manage/integrations/${id}`, { body: { name: 'Renamed' } });
      }
      return update.call(integrations, record, etag);
    };
    let page: Awaited<ReturnType<typeof fetchManual>>;
    try {
      page = await fetchManual(callback, { 'accept-language': 'en' });
    } finally {
      integrations.update = update;
    }
    expect(renamed?.status).toBe(200);
    expect(page.text).toContain('data-outcome="declined"');
    expect((await integrations.get(id))?.value).toMatchObject({
      name: 'Renamed',
      consentState: 'pending',
      consentError: 'consent declined',
    });
  });

  it("points a user at a new subscription while the user's row changes", async () => {
    const { runtime } = host;
    const integration = (await runtime.repos.integrations.get(DEMO_INTEGRATION_ID))!.value;
    const before = (await runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))!.value;
    const users = runtime.repos.users;
    const update = users.update;
    let competing: Answer | undefined;
    users.update = async (record, etag) => {
      if (record.id === ALICE.id && record.subscriptionId !== before.subscriptionId && !competing) {
        competing = await manage(
          'PUT',
          `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/triggers`,
          { body: { triggers: [{ phrase: 'Gym', reasonCode: 'out-of-office', callHandling: 'diversion' }] } },
        );
      }
      return update.call(users, record, etag);
    };
    let created: Awaited<ReturnType<typeof replaceSubscription>>;
    try {
      created = await replaceSubscription(integration, before, runtime.onboarding(silentLogger));
    } finally {
      users.update = update;
    }
    expect(competing?.status).toBe(200);
    const after = (await users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value;
    expect(after?.subscriptionId).toBe(created.subscriptionId);
    expect(after?.triggers?.map((t) => t.phrase)).toEqual(['Gym']);
    await settle(host);
  });
});
