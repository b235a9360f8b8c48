import fc from 'fast-check';
import type { LocalHostOptions } from '../../dev/localHost/localHost';
import type { SubscriptionRecord } from '../../shared/storage/records';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

/** `FUZZ_RUNS=2000 npx jest test/fuzz` for a longer run; npm test keeps it short. */
export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 150));

/** A subject only a leak could print. */
export const PRIVATE_SUBJECT = 'Fuzz-private-oncology-appointment-7f3a';

/**
 * The local host for a fuzzing suite, with everything it and the test process
 * print captured (host log lines and `console.*`), a private event synced, and
 * the secrets that must never show up in that output.
 */
export function useFuzzHost(options: LocalHostOptions = {}) {
  const consoleLines: string[] = [];
  let spies: jest.SpyInstance[] = [];
  // Declared before the host, so what it prints while starting is captured too.
  beforeAll(() => {
    spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map(String).join(' '));
      }),
    );
  });
  const host = useTestHost(options);
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
  });
  let subscriptions: SubscriptionRecord[] = [];
  let secrets: string[] = [];
  beforeAll(async () => {
    host.simulator.createEvent(ALICE.id, {
      subject: PRIVATE_SUBJECT,
      showAs: 'busy',
      sensitivity: 'private',
      start: { dateTime: hour(3), timeZone: 'UTC' },
      end: { dateTime: hour(4), timeZone: 'UTC' },
    });
    await settle(host);
    subscriptions = await host.runtime.repos.subscriptions.list();
    secrets = [
      host.functionKey,
      host.pbxSecret,
      host.pbxSecret.replace(/^whsec_/, ''),
      host.runtime.config.GRAPH_CLIENT_SECRET,
      ...subscriptions.map((s) => s.clientState),
    ].filter((s): s is string => typeof s === 'string' && s.length >= 8);
  });

  const syncsQueued = () => {
    const s = host.queue.stats('sync');
    return (
      s.completed + s.ready + s.scheduled + s.inFlight + s.retrying + s.deadLettered + s.duplicatesDropped
    );
  };

  const output = () => [...host.logs, ...consoleLines];

  /**
   * Notifications the intake said it dropped for a wrong clientState, summed
   * from its warnings: proof that a forged item got as far as the comparison
   * (an unknown id or a refused body never reaches it).
   */
  const rejectedForClientState = () =>
    host.logs
      .flatMap((line) => [...line.matchAll(/"badClientState":(\d+)/g)])
      .reduce((sum, match) => sum + Number(match[1]), 0);

  /** Whatever was printed that should not have been; [] when clean. */
  const leaks = (): string[] => {
    const printed = output().join('\n');
    const found = secrets.filter((secret) => printed.includes(secret)).map(() => 'a secret');
    if (printed.includes(PRIVATE_SUBJECT)) found.push('the private subject');
    // Any PBX signing secret, also one a rotation made during the run.
    if (/whsec_[A-Za-z0-9+/=]{8,}/.test(printed)) found.push('a whsec_ secret');
    return found;
  };

  return {
    host,
    /** The Graph subscriptions the host made for the demo users. */
    get subscriptions(): readonly SubscriptionRecord[] {
      return subscriptions;
    },
    syncsQueued,
    rejectedForClientState,
    leaks,
    output,
  };
}

function hour(hoursFromNow: number): string {
  const at = new Date(Date.now() + hoursFromNow * 3_600_000);
  at.setUTCMinutes(0, 0, 0);
  return at.toISOString().replace('Z', '');
}

/** Header values fetch accepts (visible ASCII), including hostile ones. */
export const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
    '*/*',
    'application/json; charset=utf-16',
  ),
);

export const headers = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'accept',
    'x-functions-key',
    'content-encoding',
    'x-forwarded-for',
    'x-custom',
  ),
  headerValue,
  { maxKeys: 4 },
);

/** Query strings, raw: broken percent escapes and repeated names included. */
export const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'validationToken',
          'code',
          'state',
          'tenant',
          'error',
          'admin_consent',
          'x',
          '$top',
          'limit',
          'cursor',
        ),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F', 'True', '-1', '1e999'),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${rawOrEncoded(v)}`).join('&')}`),
);

function rawOrEncoded(value: string): string {
  return value.startsWith('%') ? value : encodeURIComponent(value);
}

/** Bodies from garbage to almost right. */
export function bodies(almostRight: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }),
    fc.json({ maxDepth: 3 }),
    fc.constantFrom(
      '{',
      '{"value":',
      'null',
      '[]',
      '{"value":[]}',
      '{"value":null}',
      '\uFEFF{}',
      '{"__proto__":{"x":1}}',
    ),
    almostRight.map((value) => JSON.stringify(value)),
  );
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

export async function send(baseUrl: string, request: FuzzRequest): Promise<number> {
  const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    redirect: 'manual',
    ...(hasBody ? { body: request.body } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

export function describeRequest(request: FuzzRequest): string {
  const body = request.body instanceof Uint8Array ? `<${request.body.length} bytes>` : request.body;
  return `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${String(body).slice(0, 200)}`;
}
