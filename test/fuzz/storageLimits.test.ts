import fc from 'fast-check';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { SHOW_AS_VALUES } from '../../shared/domain/calendarEntry';
import { ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { checkIntegrationFits, integrationToEntity } from '../../shared/storage/integrationEntity';
import type { IntegrationRecord } from '../../shared/storage/records';
import { managementClient } from '../admin/managementClient';
import { ALICE, useTestHost } from '../support/localHostHarness';
import { FUZZ_RUNS } from './fuzzHost';

// Bodies the schemas accept can still make rows Table Storage refuses: a
// string property holds at most 32 Ki UTF-16 characters, a row at most 1 MiB
// (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
// Every management route with a body is driven up to and past those limits:
// never a 5xx, and a refusal names the field.

/** Within the management API's body limit (functions/http/managementRoute.ts). */
const BODY_MAX_BYTES = 512 * 1024;

/** Characters that cost the most once stored: `"` is two in JSON, a control character six. */
const FILLS = ['x', '"', '\\', '\u0001', '\u{1F600}', '\ud800', 'é'] as const;

const fill = (prefix: string, length: number, char: string) =>
  (prefix + char.repeat(length)).slice(0, Math.max(prefix.length, length));

/** A rule set at the schema's limits in every list, each text `length` long with `char` after a unique prefix. */
function ruleSetOf(
  counts: { reasons: number; prefixes: number; triggers: number; categories: number },
  char: string,
) {
  const code = (i: number) => fill(`r${i}-`, 64, char);
  return {
    reasons: Array.from({ length: counts.reasons }, (_, i) => ({
      code: code(i),
      name: fill(`n${i}-`, 100, char),
    })),
    availability: Object.fromEntries(SHOW_AS_VALUES.map((showAs) => [showAs, { sync: false }])),
    prefixes: Array.from({ length: counts.prefixes }, (_, i) => ({
      prefix: fill(`p${i}-`, 40, char),
      reasonCode: code(i % counts.reasons),
      callHandling: 'information',
    })),
    triggers: Array.from({ length: counts.triggers }, (_, i) => ({
      phrase: fill(`t${i} `, 80, char),
      reasonCode: code(i % counts.reasons),
      callHandling: 'information',
    })),
    categories: Array.from({ length: counts.categories }, (_, i) => ({
      category: fill(`c${i}-`, 255, char),
      reasonCode: code(i % counts.reasons),
      callHandling: 'information',
    })),
  };
}

const MAX_COUNTS = { reasons: 200, prefixes: 200, triggers: 500, categories: 200 };
const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body));
const isAscii = (body: unknown) => !/[^\p{ASCII}]/u.test(JSON.stringify(body));

/**
 * Azurite decodes each 64 KiB chunk of a request body on its own, so a
 * multi-byte character across a chunk boundary is stored as U+FFFD
 * (https://github.com/Azure/Azurite/issues/2670; Azure itself keeps it). Bodies
 * with such characters stay well below one chunk, so what this suite finds is
 * ours and not the emulator's.
 */
const AZURITE_SAFE_BYTES = 48 * 1024;

describe('management bodies at and past the storage limits', () => {
  const host = useTestHost();
  const manage = managementClient(host);

  async function refusedWithField(method: string, path: string, body: unknown) {
    const answer = await manage(method, path, { body });
    expect({ status: answer.status, json: answer.json }).toMatchObject({
      status: 400,
      json: { error: expect.any(String), path: expect.any(String) },
    });
    return answer.json as { error: string; path: string };
  }

  it('PUT /rules: a rule set of control characters is refused at the field, not stored', async () => {
    const rules = ruleSetOf({ reasons: 200, prefixes: 200, triggers: 200, categories: 0 }, '\u0001');
    expect(bytes(rules)).toBeLessThan(BODY_MAX_BYTES);
    const refusal = await refusedWithField('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, rules);
    expect(refusal.path).toBe('reasons.0.code');
    expect(refusal.error).toMatch(/control characters/);
  });

  it('PUT /rules: a rule set that would outgrow the row beside 500 long pending addresses is refused, naming its largest list', async () => {
    const users = Array.from(
      { length: 500 },
      (_, i) => `${fill(`u${i}.`, 64, 'u')}@${'d'.repeat(60)}.${'e'.repeat(60)}.example`,
    );
    const created = await manage('POST', 'manage/integrations', {
      body: {
        id: 'near-limit',
        name: 'N'.repeat(200),
        pbxUrl: `https://pbx.example/${'p'.repeat(1900)}`,
        users,
      },
    });
    expect(created.status).toBe(201);
    const rules = ruleSetOf(MAX_COUNTS, '"');
    expect(bytes(rules)).toBeLessThan(BODY_MAX_BYTES);
    const refusal = await refusedWithField('PUT', 'manage/integrations/near-limit/rules', rules);
    expect(refusal.path).toBe('triggers');
    expect(refusal.error).toMatch(/Table Storage allows at most 1048576 bytes per row/);
    // Nothing was written: the integration keeps its rules version.
    expect((await manage('GET', 'manage/integrations/near-limit')).json).toMatchObject({ rulesVersion: 1 });
    // A rule set that leaves room for the pending addresses and their reasons is taken.
    const more = await manage('PUT', 'manage/integrations/near-limit/rules', {
      body: ruleSetOf({ ...MAX_COUNTS, triggers: 10 }, 'x'),
    });
    expect(more.status).toBe(200);
  });

  it('POST /integrations: rules and users that together outgrow the row are refused, naming the field', async () => {
    const users = Array.from(
      { length: 500 },
      (_, i) => `${fill(`u${i}.`, 64, 'u')}@${'d'.repeat(60)}.example`,
    );
    const rules = ruleSetOf({ ...MAX_COUNTS, triggers: 300 }, '"');
    const body = { id: 'too-big', name: 'Too big', pbxUrl: 'https://pbx.example/hook', users, rules };
    expect(bytes(body)).toBeLessThan(BODY_MAX_BYTES);
    const refusal = await refusedWithField('POST', 'manage/integrations', body);
    expect(['users', 'rules.triggers', 'rules.categories']).toContain(refusal.path);
    expect((await manage('GET', 'manage/integrations/too-big')).status).toBe(404);
  });

  it('POST /integrations: a row that fits only until provisioning gives its pending addresses their reasons is refused', async () => {
    const users = Array.from(
      { length: 500 },
      (_, i) => `${fill(`u${i}.`, 64, 'u')}@${'d'.repeat(60)}.example`,
    );
    const recordFor = (triggers: number): IntegrationRecord => ({
      id: 'no-room',
      name: 'No room',
      active: true,
      consentState: 'pending',
      pendingUsers: users.map((address) => ({ address })),
      pbxUrl: 'https://pbx.example/hook',
      pbxSecretName: 'pbx-no-room-00000000',
      ruleSet: ruleSetSchema.parse(ruleSetOf({ ...MAX_COUNTS, triggers }, '"')),
      rulesVersion: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const fitsNow = (triggers: number) => {
      try {
        integrationToEntity(recordFor(triggers));
        return true;
      } catch {
        return false;
      }
    };
    const fitsLater = (triggers: number) => {
      try {
        checkIntegrationFits(recordFor(triggers));
        return true;
      } catch {
        return false;
      }
    };
    // The most triggers the row holds as created; with the reasons' room it does not.
    const triggers =
      [...Array(51).keys()]
        .map((n) => n * 10)
        .filter(fitsNow)
        .at(-1) ?? 0;
    expect(fitsNow(triggers)).toBe(true);
    expect(fitsLater(triggers)).toBe(false);
    const body = {
      id: 'no-room',
      name: 'No room',
      pbxUrl: 'https://pbx.example/hook',
      users,
      rules: ruleSetOf({ ...MAX_COUNTS, triggers }, '"'),
    };
    expect(bytes(body)).toBeLessThan(BODY_MAX_BYTES);
    const refusal = await refusedWithField('POST', 'manage/integrations', body);
    expect(refusal.error).toMatch(/Table Storage allows at most 1048576 bytes per row/);
    expect((await manage('GET', 'manage/integrations/no-room')).status).toBe(404);
  });

  it("PUT a user's triggers: phrases that outgrow one property are refused at the field", async () => {
    const reasonCode = fill('r0-', 64, '"');
    const rules = ruleSetOf({ reasons: 1, prefixes: 0, triggers: 0, categories: 0 }, '"');
    expect(
      (await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, { body: rules })).status,
    ).toBe(200);
    const triggers = Array.from({ length: 100 }, (_, i) => ({
      phrase: fill(`w${i} `, 80, '"'),
      reasonCode,
      callHandling: 'information',
    }));
    const refusal = await refusedWithField(
      'PUT',
      `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/triggers`,
      { triggers },
    );
    expect(refusal.path).toBe('triggers');
    expect(refusal.error).toMatch(
      /triggers is \d+ characters; Table Storage allows at most 32768 per property/,
    );
  });

  it('a route id that would outgrow its key once escaped is refused, on every route that takes one', async () => {
    const users = `manage/integrations/${DEMO_INTEGRATION_ID}/users`;
    for (const id of ['%23'.repeat(200), '%25'.repeat(160), '%01'.repeat(154)]) {
      for (const [method, path] of [
        ['DELETE', `${users}/${id}`],
        ['POST', `${users}/${id}/resync`],
        ['PUT', `${users}/${id}/triggers`],
        ['POST', `${users}/${id}/snapshot`],
      ] as const) {
        const answer = await manage(method, path, { body: { triggers: [] } });
        expect({ path: path.slice(0, 60), status: answer.status }).toEqual({
          path: path.slice(0, 60),
          status: 400,
        });
      }
    }
    // As long as it fits, it is just an unknown user.
    expect((await manage('DELETE', `${users}/${'%25'.repeat(153)}`)).status).toBe(404);
  });

  it('every route with a body, fuzzed with texts and lists up to and past their limits: never 5xx, a 400 names its field', async () => {
    await manage('POST', 'manage/integrations', {
      body: { id: 'fuzzed', name: 'Fuzzed', pbxUrl: 'https://pbx.example/hook' },
    });
    // A catalogue with the reason code the fuzzed user triggers name, so some of them are taken.
    const catalogue = ruleSetOf({ reasons: 1, prefixes: 0, triggers: 0, categories: 0 }, 'x');
    catalogue.reasons[0] = { code: 'x', name: 'X' };
    await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, { body: catalogue });
    const text = fc
      .tuple(
        fc.constantFrom(...FILLS),
        fc.constantFrom(1, 40, 64, 65, 80, 100, 201, 255, 256, 2001, 33_000, 70_000),
      )
      .map(([char, length]) => fill('', length, char));
    const count = fc.constantFrom(0, 1, 100, 101, 200, 201, 500, 501);
    const rules = fc
      .record({
        reasons: count,
        prefixes: count,
        triggers: count,
        categories: count,
        char: fc.constantFrom(...FILLS),
      })
      .map(({ char, ...counts }) => ruleSetOf({ ...counts, reasons: Math.max(1, counts.reasons) }, char));
    const address = fc
      .tuple(fc.constantFrom(...FILLS), fc.constantFrom(1, 64, 65, 200))
      .map(([char, length]) => `${fill('a', length, char)}@${fill('d', 60, char)}.example`);
    const routes: Array<{ method: string; path: string; body: fc.Arbitrary<unknown> }> = [
      {
        method: 'POST',
        path: 'manage/integrations',
        body: fc.record({
          id: fc.constantFrom('fz-a', 'fz-b'),
          name: text,
          pbxUrl: fc.constantFrom(1, 1980, 1981, 4000).map((n) => `https://pbx.example/${'p'.repeat(n)}`),
          users: fc.array(address, { maxLength: 3 }),
          rules,
        }),
      },
      { method: 'PATCH', path: 'manage/integrations/fuzzed', body: fc.record({ name: text }) },
      { method: 'PUT', path: 'manage/integrations/fuzzed/rules', body: rules },
      {
        method: 'POST',
        path: 'manage/integrations/fuzzed/users',
        body: fc.record({ email: fc.oneof(address, text) }),
      },
      {
        method: 'PUT',
        path: `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/triggers`,
        body: fc.record({
          triggers: fc.tuple(count, text).map(([n, t]) =>
            Array.from({ length: Math.min(n, 101) }, (_, i) => ({
              phrase: `w${i} ${t}`,
              reasonCode: 'x',
              callHandling: 'information',
            })),
          ),
        }),
      },
      {
        method: 'POST',
        path: `manage/integrations/${DEMO_INTEGRATION_ID}/explain`,
        body: fc.record({
          event: fc.record({ subject: text, categories: fc.array(text, { maxLength: 3 }) }),
          timeZone: text,
        }),
      },
      {
        method: 'POST',
        path: `manage/integrations/${DEMO_INTEGRATION_ID}/deliveries/replay`,
        body: fc.record({ webhookIds: fc.array(text, { minLength: 1, maxLength: 3 }) }),
      },
    ];
    const statuses = new Set<number>();
    for (const route of routes) {
      // fc.check, not fc.assert: a counterexample here is half a megabyte, so only its verdict is printed.
      const result = await fc.check(
        fc.asyncProperty(route.body, async (body) => {
          fc.pre(bytes(body) <= BODY_MAX_BYTES && (isAscii(body) || bytes(body) <= AZURITE_SAFE_BYTES));
          const answer = await manage(route.method, route.path, { body });
          statuses.add(answer.status);
          const pending = answer.json as { email?: unknown; status?: unknown } | undefined;
          if (
            answer.status === 202 &&
            pending?.status === 'pendingConsent' &&
            typeof pending.email === 'string'
          ) {
            // Withdrawn again, so the integration's row does not grow run after run.
            await manage('DELETE', `${route.path}/${encodeURIComponent(pending.email)}`);
          }
          if (answer.status >= 500) {
            const logged = host.logs.filter((line) => line.includes('request failed')).at(-1) ?? '';
            throw new Error(`${answer.status}: ${logged.slice(0, 600)}`);
          }
          if (answer.status === 400 && typeof (answer.json as { path?: unknown }).path !== 'string') {
            throw new Error(`400 without the field: ${answer.text.slice(0, 300)}`);
          }
        }),
        // FUZZ_SEED=<seed from a failure> replays that run.
        {
          numRuns: Math.ceil(FUZZ_RUNS / 10),
          ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
        },
      );
      if (result.failed) {
        const error =
          result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        throw new Error(`${route.method} ${route.path} (seed ${result.seed}): ${error}`);
      }
    }
    // The runs got past the body checks to the services and to storage, not only to refusals.
    expect([...statuses].some((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  });
});
