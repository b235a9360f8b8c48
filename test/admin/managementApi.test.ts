import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { registeredFunctions } from '../../functions/http/functionRegistry';
import { useTestHost } from '../support/localHostHarness';
import { validateOpenApi } from '../support/openApiValidation';
import { managementClient } from './managementClient';

type Operation = { requestBody?: unknown; responses: Record<string, unknown> };
type OpenApi = { paths: Record<string, Record<string, Operation>>; security: unknown[] };

/** Walks the OpenAPI document: every route exists, refuses callers without the key, and reasons about bad bodies. */
describe('management API', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  let doc: OpenApi;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace('{id}', DEMO_INTEGRATION_ID).replace('{userId}', 'nobody').slice(1),
        template: path.slice(1),
        operation,
      })),
    );

  beforeAll(async () => {
    const answer = await manage('GET', 'manage/openapi.json');
    expect(answer.status).toBe(200);
    doc = answer.json as OpenApi;
  });

  it('is a valid OpenAPI document to an independent validator', async () => {
    const verdict = await validateOpenApi(doc);
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
    // The same validator refuses a document that is not one, so the check above can fail.
    expect((await validateOpenApi({ ...doc, paths: { 'no-slash': {} } })).valid).toBe(false);
  });

  it('documents exactly the registered management functions', () => {
    const documented = operations()
      .map((o) => `${o.method} ${o.template}`)
      .sort();
    const registered = registeredFunctions()
      .flatMap((d) =>
        d.kind === 'http' && d.options.route?.startsWith('manage/')
          ? (d.options.methods ?? []).map((m) => `${m} ${d.options.route}`)
          : [],
      )
      .sort();
    expect(documented).toEqual(registered);
    expect(documented.length).toBeGreaterThanOrEqual(14);
    for (const d of registeredFunctions()) {
      if (d.kind !== 'http' || !d.options.route?.startsWith('manage/')) continue;
      expect(d.options.authLevel).toBe('function');
    }
  });

  it('claims no route or function name the Functions host reserves (admin…)', () => {
    for (const d of registeredFunctions()) {
      expect(d.name.toLowerCase().startsWith('admin')).toBe(false);
      if (d.kind === 'http') expect((d.options.route ?? '').toLowerCase().startsWith('admin')).toBe(false);
    }
  });

  it('every route refuses a request without the key or with a wrong one', async () => {
    for (const { method, path } of operations()) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      expect([method, path, (await manage(method, path, { key: null, body })).status]).toEqual([
        method,
        path,
        401,
      ]);
      expect([
        method,
        path,
        (await manage(method, path, { key: `${host.functionKey}x`, body })).status,
      ]).toEqual([method, path, 401]);
    }
    // The key also works as `code` in the query (read-only routes, so nothing changes).
    for (const { path } of operations().filter((o) => o.method === 'GET')) {
      const withCode = await fetch(`${host.url}/api/${path}?code=${encodeURIComponent(host.functionKey)}`);
      expect([path, withCode.status]).not.toEqual([path, 401]);
    }
  });

  it('every route with a body answers 400 with a reason for malformed ones', async () => {
    const withBody = operations().filter((o) => o.operation.requestBody !== undefined);
    expect(withBody.length).toBeGreaterThanOrEqual(5);
    for (const { method, path } of withBody) {
      const notJson = await manage(method, path, { rawBody: '{"oops":' });
      expect([path, notJson.status, (notJson.json as { error: string }).error]).toEqual([
        path,
        400,
        'body is not valid JSON',
      ]);
      const wrongShape = await manage(method, path, { body: { unexpected: 42 } });
      expect([path, wrongShape.status]).toEqual([path, 400]);
      expect((wrongShape.json as { error: string }).error).toMatch(/^body does not match the schema/);
      const notObject = await manage(method, path, { body: [1, 2] });
      expect([path, notObject.status]).toEqual([path, 400]);
    }
  });

  it('names the offending field', async () => {
    const answer = await manage('POST', 'manage/integrations', {
      body: { id: 'Bad Id!', name: 'x', pbxUrl: 'https://pbx.example/hook' },
    });
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toContain('at id');
    const rules = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: { preset: 'nope' },
    });
    expect(rules.status).toBe(400);
    expect((rules.json as { error: string }).error).toContain('at preset');
    const pbx = await manage('PATCH', `manage/integrations/${DEMO_INTEGRATION_ID}`, {
      body: { pbxUrl: 'http://pbx.example/hook' },
    });
    expect(pbx.status).toBe(400);
    expect((pbx.json as { error: string }).error).toContain('loopback');
  });

  it('an id too long to be a key is a 400, not a storage error', async () => {
    const answer = await manage('GET', `manage/integrations/${'x'.repeat(300)}/users`);
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toBe('id must be 1 to 50 characters');
  });

  it('unknown integrations and users are 404', async () => {
    expect((await manage('GET', 'manage/integrations/nobody')).status).toBe(404);
    expect((await manage('GET', 'manage/integrations/nobody/dashboard')).status).toBe(404);
    expect((await manage('GET', 'manage/integrations/nobody/users')).status).toBe(404);
    expect((await manage('DELETE', `manage/integrations/${DEMO_INTEGRATION_ID}/users/nobody`)).status).toBe(
      404,
    );
    expect(
      (await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/users/nobody/resync`)).status,
    ).toBe(404);
  });

  it("lists, shows a dashboard and explains an event with the integration's rules", async () => {
    const list = await manage('GET', 'manage/integrations');
    expect((list.json as Array<{ id: string }>).map((i) => i.id)).toContain(DEMO_INTEGRATION_ID);
    expect(list.text).not.toContain('whsec_');
    const users = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/users`);
    expect((users.json as Array<{ status: string }>).length).toBe(3);
    const dashboard = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`);
    expect(dashboard.json).toMatchObject({
      active: true,
      consentState: 'granted',
      users: { total: 3, inError: 0 },
      subscriptions: { missing: 0 },
      unreadableMailboxes: [],
    });
    const explained = await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/explain`, {
      body: {
        event: {
          id: 'e1',
          subject: 'Planning',
          showAs: 'busy',
          type: 'singleInstance',
          isAllDay: false,
          start: { dateTime: new Date(Date.now() + 3_600_000).toISOString().slice(0, 19), timeZone: 'UTC' },
          end: { dateTime: new Date(Date.now() + 7_200_000).toISOString().slice(0, 19), timeZone: 'UTC' },
        },
      },
    });
    expect(explained.status).toBe(200);
    expect(explained.json).toMatchObject({ evaluation: { outcome: 'absence' } });
    expect(host.logs.join('\n')).not.toContain('Planning');
  });
});
