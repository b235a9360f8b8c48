import fc from 'fast-check';
import { ALICE } from '../support/localHostHarness';
import {
  bodies,
  describeRequest,
  FUZZ_RUNS,
  type FuzzRequest,
  headers,
  queryString,
  send,
  useFuzzHost,
} from './fuzzHost';

interface Operation {
  method: string;
  template: string;
  /** Property names of the JSON body schema, so generated bodies get past "not an object" often. */
  bodyKeys: string[];
}

const pathParam = fc.oneof(
  fc.constantFrom('demo', 'demo', ALICE.id, ALICE.userPrincipalName, 'nope'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2F..%2F', 'a'.repeat(300), '{id}'),
);

/**
 * The consent endpoints (anonymous) and every operation of the management
 * API, walked from its own OpenAPI document, with a valid function key so
 * bodies really get parsed: never a 5xx, nothing secret or private printed.
 * Destructive operations (DELETE) run last so the others still find data.
 */
describe('fuzzed consent and management endpoints', () => {
  const fuzz = useFuzzHost();
  let operations: Operation[];

  beforeAll(async () => {
    const response = await fetch(`${fuzz.host.url}/api/manage/openapi.json`, {
      headers: { 'x-functions-key': fuzz.host.functionKey },
    });
    operations = operationsOf((await response.json()) as OpenApi);
  });

  async function check(
    request: fc.Arbitrary<FuzzRequest>,
    allowed?: (status: number) => boolean,
    numRuns = FUZZ_RUNS,
  ): Promise<number[]> {
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const status = await send(fuzz.host.url, r);
        statuses.push(status);
        if (status >= 500 || (allowed && !allowed(status)))
          throw new Error(`${status} for ${describeRequest(r)}`);
      }),
      { numRuns },
    );
    return statuses;
  }

  it('/api/consent/{token} and its callback: never 5xx, never a redirect to Microsoft, nothing leaked', async () => {
    await check(
      fc.record({
        method: fc.constantFrom('GET', 'GET', 'POST'),
        path: fc
          .tuple(fc.oneof(fc.constant('callback'), pathParam), queryString)
          .map(([id, query]) => `/api/consent/${id}${query}`),
        headers,
        body: fc.constant(undefined),
      }),
      // Without a minted link nobody gets a state: integration ids open nothing.
      (status) => status !== 302,
    );
    expect(fuzz.leaks()).toEqual([]);
  });

  it('every management operation without a valid key: 401, never 5xx', async () => {
    expect(operations.length).toBeGreaterThan(10);
    await check(
      fc.record({
        method: fc.constantFrom(...new Set(operations.map((o) => o.method))),
        path: fc
          .tuple(fc.constantFrom(...operations), pathParam, pathParam)
          .map(([o, a, b]) => fillTemplate(o.template, a, b)),
        headers: headers.map((h) => ({ ...h, 'x-functions-key': 'wrong-key' })),
        body: bodies(fc.jsonValue()),
      }),
      (status) => status === 401 || status === 404 || status === 405,
    );
  });

  it('every management operation with the key: never 5xx for any body, query or parameter, nothing leaked', async () => {
    const ordered = [
      ...operations.filter((o) => o.method !== 'DELETE'),
      ...operations.filter((o) => o.method === 'DELETE'),
    ];
    const statuses: number[] = [];
    for (const operation of ordered) {
      const almostRight =
        operation.bodyKeys.length === 0
          ? fc.jsonValue({ maxDepth: 2 })
          : fc.dictionary(fc.constantFrom(...operation.bodyKeys), fc.jsonValue({ maxDepth: 2 }), {
              maxKeys: operation.bodyKeys.length,
            });
      const answered = await check(
        fc.record({
          method: fc.constant(operation.method),
          path: fc
            .tuple(pathParam, pathParam, queryString)
            .map(([a, b, query]) => `${fillTemplate(operation.template, a, b)}${query}`),
          headers: headers.map((h) => ({ ...h, 'x-functions-key': fuzz.host.functionKey })),
          body: bodies(almostRight),
        }),
        undefined,
        // Per operation; across all of them this is well over FUZZ_RUNS requests.
        Math.ceil(FUZZ_RUNS / 2),
      );
      statuses.push(...answered);
    }
    await fuzz.host.settle();
    expect(fuzz.leaks()).toEqual([]);
    // The key let the runs through to the handlers: bodies were refused by their schemas (400)
    // and some requests were carried out (2xx), so this is not a walk past the key check only.
    expect(statuses.filter((status) => status === 400).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status >= 200 && status < 300).length).toBeGreaterThan(0);
  });
});

interface OpenApi {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
}
interface JsonSchema {
  properties?: Record<string, unknown>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

function operationsOf(document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => {
        const schema = operation.requestBody?.content?.['application/json']?.schema;
        return { method: method.toUpperCase(), template: `/api${path}`, bodyKeys: propertyNames(schema) };
      }),
  );
}

function propertyNames(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(propertyNames);
  return [...new Set([...Object.keys(schema.properties ?? {}), ...nested])];
}

/** First path parameter gets `a`, every other one `b`. */
function fillTemplate(template: string, a: string, b: string): string {
  let index = 0;
  return template.replace(/\{[^}]+\}/g, () => (index++ === 0 ? a : b));
}
