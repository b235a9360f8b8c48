// The PBX pull endpoint over real HTTP to the local host (Azurite, the Graph
// simulator, the real functions): the operator mints the integration's PBX
// API key, the PBX asks with it for a user's status and timeline, and every
// other credential is refused the same way, in both directions.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { pbxStatusSchema, pbxStatusSegmentSchema } from '../../shared/pbx/pbxEventSchema';
import { managementClient } from '../admin/managementClient';
import { startCountedHost } from '../support/countedHost';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

const CAROL = DEMO_USERS[2];
/** A mailbox whose address Graph keeps in mixed case, as tenants often write it. */
const DORA = { id: '00000000-0000-4000-8000-0000000000d1', mail: 'Dora.Dahl@Contoso.Example' };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What the endpoint answers, as docs/pbx-webhooks.md ("Asking for a status") describes it. */
const statusAnswerSchema = z
  .object({
    user: z
      .object({
        id: z.string(),
        email: z.string(),
        displayName: z.string().optional(),
        timeZone: z.string(),
      })
      .strict(),
    at: z.iso.datetime(),
    status: pbxStatusSchema,
    timeline: z.array(pbxStatusSegmentSchema.and(z.object({ end: z.iso.datetime() }))).min(1),
    horizon: z.iso.datetime(),
  })
  .strict();
type StatusAnswer = z.infer<typeof statusAnswerSchema>;

describe('the PBX pull endpoint', () => {
  const host = useTestHost();
  const manage = managementClient(host);

  const pull = async (
    user: string,
    key: string | undefined,
    query = '',
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${host.url}/api/pbx/v1/users/${encodeURIComponent(user)}/status${query}`, {
      headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...headers },
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const mint = async (): Promise<string> => {
    const answer = await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/pbx/api-key`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    return (answer.json as { key: string }).key;
  };

  let absenceEnd = '';
  beforeAll(async () => {
    host.simulator.addUser(DEMO_TENANT.id, { id: DORA.id, userPrincipalName: DORA.mail, mail: DORA.mail });
    const added = await addUser(DEMO_INTEGRATION_ID, DORA.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);
    // Alice is away now: an out-of-office entry from half an hour ago to an hour and a half ahead.
    const now = host.runtime.now().getTime();
    const shape = (ms: number) => ({
      dateTime: new Date(ms).toISOString().replace('Z', ''),
      timeZone: 'UTC',
    });
    const startMs = Math.floor(now / 60_000) * 60_000 - HOUR_MS / 2;
    absenceEnd = new Date(startMs + 2 * HOUR_MS).toISOString();
    host.simulator.createEvent(ALICE.id, {
      subject: 'Dentist',
      showAs: 'oof',
      start: shape(startMs),
      end: shape(startMs + 2 * HOUR_MS),
    });
    await settle(host);
  });

  it("answers a user's current status and timeline with the integration's key", async () => {
    const key = await mint();
    expect(key).toMatch(new RegExp(`^pbxk_${DEMO_INTEGRATION_ID}_[A-Za-z0-9_-]{43}$`));
    // Stored only as its hash, never as the key.
    const stored = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value;
    expect(stored?.pbxApiKey?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(key.slice(-43));

    const answer = await pull(ALICE.id, key, '?days=3');
    expect(answer.status).toBe(200);
    const view: StatusAnswer = statusAnswerSchema.parse(answer.json);
    expect(view.user).toMatchObject({ id: ALICE.id, email: ALICE.mail });
    const current = view.status.current;
    if (current.status !== 'away') throw new Error(`Alice should be away: ${answer.text}`);
    expect(current.until).toBe(absenceEnd);
    expect(Date.parse(current.returnAt)).toBeGreaterThanOrEqual(Date.parse(absenceEnd));
    expect(current.reason.code).toBe('out-of-office');
    // The absence the PBX holds from the webhooks is the one that decides the status.
    expect(current.absenceIds).toHaveLength(1);
    expect(host.sink?.state().has(current.absenceIds[0] ?? '')).toBe(true);
    expect(view.status.announcement.text.length).toBeGreaterThan(0);

    // The timeline runs from now to the horizon, `days` ahead, without a gap.
    expect(Date.parse(view.horizon) - Date.parse(view.at)).toBe(3 * DAY_MS);
    expect(view.timeline[0]).toMatchObject({ status: 'away', until: absenceEnd, end: absenceEnd });
    expect(view.timeline[1]).toMatchObject({ status: 'available', start: absenceEnd });
    for (let i = 1; i < view.timeline.length; i++) {
      expect(view.timeline[i]?.start).toBe(view.timeline[i - 1]?.end);
    }
    expect(view.timeline.at(-1)?.end).toBe(view.horizon);

    // By address too, in any case; Carol has nothing planned.
    const carol = await pull(CAROL.mail.toUpperCase(), key);
    expect(carol.status).toBe(200);
    const carolView = statusAnswerSchema.parse(carol.json);
    expect(carolView.user.id).toBe(CAROL.id);
    expect(carolView.status.current).toMatchObject({ status: 'available', until: null });
    const dora = await pull('dora.dahl@contoso.example', key);
    expect(dora.status).toBe(200);
    expect(statusAnswerSchema.parse(dora.json).user).toMatchObject({ id: DORA.id, email: DORA.mail });
  });

  it('refuses a missing, malformed, wrong, replaced or revoked key, and an unknown integration, alike', async () => {
    const old = await mint();
    const current = await mint();
    expect(current).not.toBe(old);
    const refusals = await Promise.all([
      pull(ALICE.id, undefined),
      pull(ALICE.id, 'not-a-key'),
      pull(ALICE.id, `${current.slice(0, -1)}${current.endsWith('A') ? 'B' : 'A'}`),
      // Minting again replaced the old key at once.
      pull(ALICE.id, old),
      pull(ALICE.id, current.replace(`pbxk_${DEMO_INTEGRATION_ID}_`, 'pbxk_no-such-integration_')),
    ]);
    for (const refusal of refusals) {
      expect({ status: refusal.status, text: refusal.text }).toEqual({
        status: 401,
        text: refusals[0]?.text,
      });
    }
    expect((await pull(ALICE.id, current)).status).toBe(200);

    const revoked = await manage('DELETE', `manage/integrations/${DEMO_INTEGRATION_ID}/pbx/api-key`);
    expect(revoked.status).toBe(204);
    expect(await pull(ALICE.id, current)).toEqual(refusals[0]);
  });

  it('takes no operator key, and its key opens no management route', async () => {
    const key = await mint();
    // The function key, as header, query or bearer token, opens nothing here.
    const asHeader = await pull(ALICE.id, undefined, '', { 'x-functions-key': host.functionKey });
    const asQuery = await pull(ALICE.id, undefined, `?code=${encodeURIComponent(host.functionKey)}`);
    const asBearer = await pull(ALICE.id, host.functionKey);
    for (const refused of [asHeader, asQuery, asBearer]) expect(refused.status).toBe(401);
    // The PBX key, as bearer token or as function key, opens no management route.
    const manageAsBearer = await fetch(`${host.url}/api/manage/integrations/${DEMO_INTEGRATION_ID}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(manageAsBearer.status).toBe(401);
    expect((await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`, { key })).status).toBe(401);
    expect(
      (await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/pbx/api-key`, { key })).status,
    ).toBe(401);
  });

  it('answers 400 with a reason for bad days or a bad user, 404 for an unknown user, 409 while inactive', async () => {
    const key = await mint();
    for (const days of ['0', '61', '1.5', 'abc', '', '-1', '1e1']) {
      const answer = await pull(ALICE.id, key, `?days=${encodeURIComponent(days)}`);
      expect({ days, status: answer.status, json: answer.json }).toEqual({
        days,
        status: 400,
        json: { error: 'days must be a whole number from 1 to 60', path: 'days' },
      });
    }
    expect((await pull(ALICE.id, key, '?days=60')).status).toBe(200);
    expect(await pull('00000000-0000-4000-8000-00000000dead', key)).toMatchObject({
      status: 404,
      json: { error: 'no such user' },
    });
    expect(await pull('nobody@contoso.example', key)).toMatchObject({ status: 404 });
    expect(await pull('a b@contoso.example', key)).toMatchObject({ status: 400, json: { path: 'user' } });
    expect(await pull('x'.repeat(201), key)).toMatchObject({ status: 400, json: { path: 'user' } });
    // Without the key, bad input learns nothing either.
    expect((await pull(ALICE.id, undefined, '?days=0')).status).toBe(401);

    const off = await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, {
      body: { active: false },
    });
    expect(off.status).toBe(200);
    try {
      expect(await pull(ALICE.id, key)).toMatchObject({
        status: 409,
        json: { error: expect.stringContaining('inactive') },
      });
    } finally {
      await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, { body: { active: true } });
    }
    // Editing the integration keeps its key.
    expect((await pull(ALICE.id, key)).status).toBe(200);
  });

  it('keeps the key and its hash out of the logs', async () => {
    const key = await mint();
    await pull(ALICE.id, key);
    await pull(ALICE.id, `${key}x`);
    const logs = host.logs.join('\n');
    expect(logs).toContain('PBX API key minted');
    expect(logs).not.toContain(key.slice(-43));
    const stored = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value;
    expect(logs).not.toContain(stored?.pbxApiKey?.hash ?? 'no hash stored');
  });
});

describe('what a pull costs in Table Storage requests', () => {
  it('reads by key: the integration, the user, their absences; a refused key reads one row, whatever the reason', async () => {
    const { tables, host } = await startCountedHost();
    try {
      const minted = await managementClient(host)(
        'POST',
        `manage/integrations/${DEMO_INTEGRATION_ID}/pbx/api-key`,
      );
      const key = (minted.json as { key: string }).key;
      const pull = async (user: string, bearer: string) => {
        tables.reset();
        const response = await fetch(`${host.url}/api/pbx/v1/users/${encodeURIComponent(user)}/status`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        await response.text();
        const byKey = tables
          .requests()
          .every((line) => /\(PartitionKey='[^']*',RowKey=|\$filter=PartitionKey eq /.test(line));
        return { status: response.status, requests: tables.count(), byKey };
      };
      const byId = await pull(ALICE.id, key);
      expect(byId.status).toBe(200);
      expect(byId).toMatchObject({ byKey: true });
      expect(byId.requests).toBeLessThanOrEqual(3);
      const byAddress = await pull(ALICE.mail, key);
      expect(byAddress.status).toBe(200);
      // The address costs one query of the integration's users, ids and addresses only.
      expect(byAddress).toMatchObject({ byKey: true });
      expect(byAddress.requests).toBeLessThanOrEqual(byId.requests + 1);
      const wrongKey = await pull(ALICE.id, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`);
      const unknown = await pull(ALICE.id, key.replace(`pbxk_${DEMO_INTEGRATION_ID}_`, 'pbxk_nobody_'));
      expect(wrongKey).toEqual({ status: 401, requests: 1, byKey: true });
      expect(unknown).toEqual({ status: 401, requests: 1, byKey: true });
    } finally {
      await host.stop();
      await tables.stop();
    }
  });
});

describe('the documented answer of the pull endpoint', () => {
  it('is what the endpoint answers (docs/pbx-webhooks.md, "Asking for a status")', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'docs', 'pbx-webhooks.md'), 'utf8');
    const section = text.slice(text.indexOf('## Asking for a status'));
    expect(section.startsWith('## Asking for a status')).toBe(true);
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(statusAnswerSchema.safeParse(JSON.parse(example ?? 'null')).error).toBeUndefined();
  });
});
