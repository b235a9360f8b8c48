import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { type LocalHost, type LocalHostOptions, startLocalHost } from '../../dev/localHost/localHost';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { resolveWithDns } from '../../shared/pbx/pbxTarget';
import { testTablesConnectionString, uniqueTablePrefix } from './tables';

export type TestHost = LocalHost & { logs: string[] };

/**
 * The whole local system for one suite: started on free ports, on fresh
 * tables of the test run's Azurite, before the suite's first test and stopped
 * after its last, with its output captured in `logs` (every level).
 *
 * Call it where the suite is declared and use the answer like the host
 * itself. The host only exists once the suite runs, so the answer stands in
 * for it and hands every property on to the running host; touching it before
 * then throws. `beforeAll` hooks run in the order they are declared, so the
 * suite's own setup goes in a `beforeAll` below this call.
 */
export function useTestHost(options: LocalHostOptions = {}): TestHost {
  let running: TestHost | undefined;
  beforeAll(async () => {
    running = await startTestHost(options);
  });
  afterAll(async () => {
    await running?.stop();
  });
  const current = (): TestHost => {
    if (!running) throw new Error('the test host runs only from the first beforeAll to the last afterAll');
    return running;
  };
  return new Proxy({} as TestHost, {
    get: (_target, property) => Reflect.get(current(), property),
    has: (_target, property) => Reflect.has(current(), property),
  });
}

async function startTestHost(options: LocalHostOptions): Promise<TestHost> {
  const logs: string[] = [];
  const host = await startLocalHost({
    port: 0,
    simulatorPort: 0,
    tablesConnectionString: testTablesConnectionString(),
    tablePrefix: uniqueTablePrefix(),
    coalesceSeconds: 0.2,
    log: (line) => logs.push(line),
    // What Application Insights would receive, so a leak at information level fails a test too.
    allLogLevels: true,
    resolveHost: exampleNamesOnThisMachine,
    ...options,
    // Queue retries in tenths of seconds, as coalescing above: a handler that fails is tried again soon.
    settings: { QUEUE_RETRY_SCHEDULE_SECONDS: '0.05,0.1,0.2', ...options.settings },
  });
  return Object.assign(host, { logs });
}

/**
 * PBX URLs in tests use the reserved example names (RFC 2606, RFC 6761),
 * which DNS does not answer; saving a URL resolves its name, so here they lead
 * to this machine (the test host allows loopback) and a webhook sent to one is
 * refused locally instead of leaving the machine. Other names go to DNS.
 */
async function exampleNamesOnThisMachine(hostname: string): Promise<string[]> {
  return /(^|\.)(example|test|invalid|example\.(com|net|org))$/.test(hostname)
    ? ['127.0.0.1']
    : resolveWithDns(hostname);
}

/** Everything the system will do on its own for what has happened so far: notifications sent (Graph's and Exchange's), queues drained. */
export async function settle(host: LocalHost): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await host.simulator.flushNotifications();
    await host.ews.push.idle();
    await host.settle();
  }
}

/** A Graph client of our own for the test, speaking plain HTTP to the simulator like any Graph caller. */
export async function graphAs(host: LocalHost) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: DEMO_TENANT.clientId,
    client_secret: DEMO_TENANT.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  const tokenResponse = await fetch(`${host.simulator.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
    method: 'POST',
    body: form,
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.simulator.graphBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  return { call };
}

export const ALICE = DEMO_USERS[0];

/** An hour starting `hoursFromNow` from now, in Graph's dateTimeTimeZone shape. */
export function hourFromNow(hoursFromNow: number) {
  const start = new Date(Date.now() + hoursFromNow * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 3_600_000);
  const shape = (d: Date) => ({ dateTime: d.toISOString().replace('Z', ''), timeZone: 'UTC' });
  return { start: shape(start), end: shape(end), startIso: start.toISOString(), endIso: end.toISOString() };
}

/** More mailboxes for the demo integration: in the simulator's tenant, then added through the service. */
export async function addDemoUsers(host: LocalHost, count: number, offset = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const address = `user${i}@contoso.example`;
    host.simulator.addUser(DEMO_TENANT.id, {
      id,
      userPrincipalName: address,
      mail: address,
      displayName: `User ${i}`,
    });
    const result = await addUser('demo', address, {
      ...host.runtime.onboarding(silentLogger),
    });
    if (result.kind !== 'added') throw new Error(result.reason);
    ids.push(id);
  }
  return ids;
}

export { seededRandom } from '../../dev/seededRandom';
