import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  InvocationContext,
  type ServiceBusQueueHandler,
  type Timer,
  type TimerHandler,
} from '@azure/functions';
import { type FunctionDefinition, registeredFunctions } from '../../functions/http/functionRegistry';
import { loadConfig } from '../../shared/config';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import type { Logger } from '../../shared/logger';
import { addUser } from '../../shared/onboarding/userProvisioning';
import type { ResolveHost } from '../../shared/pbx/pbxTarget';
import { generateSigningSecret } from '../../shared/pbx/signing';
import { createRuntime, type Runtime, useRuntime } from '../../shared/runtime';
import type { Metrics } from '../../shared/telemetry/metrics';
import { startAzuriteTables } from '../azurite';
import { type EwsSimulator, startEwsSimulator } from '../ewsSimulator/ewsSimulator';
import {
  type GraphSimulator,
  type GraphSimulatorOptions,
  startGraphSimulator,
} from '../graphSimulator/graphSimulator';
import { type PbxSink, startPbxSink } from '../pbxSink';
import { consoleLogger } from './consoleLogger';
import { DEMO_EXCHANGE, DEMO_EXCHANGE_INTEGRATION_ID } from './demoExchange';
import { DEMO_INTEGRATION_ID, DEMO_MANAGED_IDENTITY, DEMO_TENANT, DEMO_USERS } from './demoTenant';
import { createExchangeServerIntegration } from './exchangeServerSeed';
import { readServiceBusHostSettings, type ServiceBusHostSettings } from './hostSettings';
import { dispatchHttp } from './httpAdapter';
import { inProcessDeadLetters } from './inProcessDeadLetters';
import { createInProcessQueue, type InProcessQueue } from './inProcessQueue';
import { inProcessQueueStatistics } from './inProcessQueueStatistics';
import { createMemorySecretStore } from './memorySecretStore';

export interface LocalHostOptions {
  /** Functions HTTP port (7071 like `func start`); 0 picks a free one. */
  port?: number;
  simulatorPort?: number;
  /** Graph behaviour to simulate (e.g. a shorter subscription lifetime). */
  simulator?: Omit<GraphSimulatorOptions, 'port'>;
  /** Reuse a running Azurite (tests); otherwise one is started in memory. */
  tablesConnectionString?: string;
  tablePrefix?: string;
  /** Send webhooks here instead of the built-in PBX sink. */
  pbxUrl?: string;
  pbxSecret?: string;
  coalesceSeconds?: number;
  /** How often the timer functions run locally (their CRON schedules are Azure's business). */
  timerIntervalMs?: number;
  log?: (line: string) => void;
  /**
   * Print information, debug and trace lines as well. `npm start` leaves them
   * out to stay readable, but Azure sends Information to Application Insights,
   * so tests that look for leaks must see them.
   */
  allLogLevels?: boolean;
  /** Every Graph request the service makes (benchmarks count them). */
  onGraphRequest?: (method: string, url: string) => void;
  /** Sees every EWS request the service makes (the benchmarks count them). */
  onEwsRequest?: () => void;
  /** Also seed the Exchange Server demo integration (`npm start` does; tests that need it ask). */
  exchangeServerDemo?: boolean;
  /** More app settings (e.g. a compressed PBX_RETRY_SCHEDULE_SECONDS for tests); they win over the host's own. */
  settings?: Record<string, string>;
  /** Key for routes with authLevel `function` (admin API); LOCAL_FUNCTION_KEY or a fresh random one. */
  functionKey?: string;
  /** Answers DNS questions for PBX host names instead of the system resolver. */
  resolveHost?: ResolveHost;
  /** Service Bus trigger settings that win over host.json's (e.g. a shorter lock renewal in a test). */
  serviceBus?: Partial<ServiceBusHostSettings>;
  /**
   * How the service proves itself as the demo app: its client secret
   * (default), the demo managed identity as a federated identity credential
   * without any secret, or both (the secret as fallback). With a federated
   * credential the host points IDENTITY_ENDPOINT/IDENTITY_HEADER at the
   * simulator, as App Service sets them, so the real ManagedIdentityCredential
   * runs; it keeps the first endpoint it saw for the rest of the process, so
   * one such host per process (test file).
   */
  graphCredential?: 'secret' | 'federated' | 'federatedAndSecret';
  /** Where the service's metrics go (tests read them from an in-memory meter); nowhere by default. */
  metrics?: Metrics;
}

export interface LocalHost {
  url: string;
  simulator: GraphSimulator;
  /** The customer's Exchange Server, for Exchange Server integrations (EWS on loopback). */
  ews: EwsSimulator;
  sink: PbxSink | undefined;
  queue: InProcessQueue;
  runtime: Runtime;
  pbxSecret: string;
  /** Send as `x-functions-key` (or `?code=`) to routes whose authLevel is `function`. */
  functionKey: string;
  /** The Service Bus trigger settings the queues run with: host.json's, unless the options changed some. */
  serviceBus: ServiceBusHostSettings;
  /** Resolves once no queued work is left (scheduled syncs included). */
  settle(): Promise<void>;
  /** Runs a timer function now, as its schedule would. */
  runTimer(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole system on one machine: Azurite, the Graph simulator, the PBX sink,
 * the in-process queues and the same function handlers the Azure host runs.
 */
export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const print = options.log ?? ((line: string) => console.log(line));
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    process.env.LOCAL_HOST = '1';
    const definitions = await loadFunctions();

    const tables = options.tablesConnectionString
      ? { connectionString: options.tablesConnectionString }
      : await startAzuriteTables();
    if ('stop' in tables) stops.push(() => tables.stop());

    const simulator = await startGraphSimulator({ ...options.simulator, port: options.simulatorPort ?? 0 });
    stops.push(() => simulator.stop());
    simulator.addTenant(DEMO_TENANT);
    for (const user of DEMO_USERS)
      simulator.addUser(DEMO_TENANT.id, { ...user, timeZone: 'Europe/Stockholm' });
    const graphCredential = options.graphCredential ?? 'secret';
    if (graphCredential !== 'secret') {
      simulator.addManagedIdentity(DEMO_MANAGED_IDENTITY);
      simulator.addFederatedCredential(DEMO_TENANT.clientId, { trust: DEMO_MANAGED_IDENTITY });
      const before = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
      process.env.IDENTITY_ENDPOINT = simulator.managedIdentity.endpoint;
      process.env.IDENTITY_HEADER = simulator.managedIdentity.header;
      stops.push(() => {
        restoreEnv('IDENTITY_ENDPOINT', before.endpoint);
        restoreEnv('IDENTITY_HEADER', before.header);
      });
    }

    // Push pings and retries run on the clock the runtime reads, so a test that moves it sees them fall due.
    const ews = await startEwsSimulator({ clock: simulator.clock });
    stops.push(() => ews.close());
    ews.directory.addAccount({
      userName: DEMO_EXCHANGE.userName,
      password: DEMO_EXCHANGE.password,
      impersonation: true,
    });
    for (const mailbox of DEMO_EXCHANGE.mailboxes) ews.directory.addMailbox(mailbox.address);

    const pbxSecret = options.pbxSecret ?? generateSigningSecret();
    const sink = options.pbxUrl ? undefined : await startPbxSink({ secret: pbxSecret, log: print });
    if (sink) stops.push(() => sink.stop());

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 7071, '127.0.0.1', resolve));
    stops.push(() => closeServer(server));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const functionKey =
      options.functionKey ?? process.env.LOCAL_FUNCTION_KEY ?? randomBytes(24).toString('base64url');
    const config = loadConfig({
      PUBLIC_BASE_URL: url,
      CONSENT_AUTHORITY_HOST: simulator.authorityHost,
      GRAPH_CLIENT_ID: DEMO_TENANT.clientId,
      // The simulator has one app per tenant; locally both consent modes use it.
      GRAPH_SCOPED_CLIENT_ID: DEMO_TENANT.clientId,
      ...(graphCredential === 'federated'
        ? {}
        : {
            GRAPH_CLIENT_SECRET: DEMO_TENANT.clientSecret,
            GRAPH_SCOPED_CLIENT_SECRET: DEMO_TENANT.clientSecret,
          }),
      ...(graphCredential === 'secret'
        ? {}
        : { GRAPH_FEDERATED_IDENTITY_CLIENT_ID: DEMO_MANAGED_IDENTITY.clientId }),
      GRAPH_BASE_URL: simulator.url,
      GRAPH_AUTHORITY_HOST: simulator.authorityHost,
      TABLES_CONNECTION_STRING: tables.connectionString,
      TABLE_PREFIX: options.tablePrefix ?? 'local',
      QUEUE_MODE: 'in-process',
      SYNC_COALESCE_SECONDS: String(options.coalesceSeconds ?? 1),
      PBX_ALLOW_INSECURE_LOOPBACK: 'true',
      // The EWS simulator answers on http://127.0.0.1.
      EXCHANGE_ALLOW_LOOPBACK_HTTP: 'true',
      ...options.settings,
    });
    // One movable clock for Graph, the service and the queue, so tests can jump days ahead.
    const now = () => simulator.clock.now();
    const queue = createInProcessQueue({
      now: () => now().getTime(),
      scheduleNow: () => now().getTime(),
      onHandlerError: (name, info, error) =>
        print(
          `  ! ${name} message ${info.messageId} failed (attempt ${info.deliveryCount}): ${errorText(error)}`,
        ),
    });
    simulator.clock.onMove(() => queue.clockMoved());
    stops.push(() => queue.close());
    const secrets = createMemorySecretStore();
    const runtime = await createRuntime(config, {
      queue,
      queueStatistics: inProcessQueueStatistics(queue),
      deadLetters: inProcessDeadLetters(queue, now),
      secrets,
      now,
      ...(options.onGraphRequest ? { onGraphRequest: options.onGraphRequest } : {}),
      ...(options.onEwsRequest ? { onEwsRequest: options.onEwsRequest } : {}),
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
      log: consoleLogger('[runtime]', print),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    useRuntime(runtime);

    const logHandler =
      (name: string) =>
      (level: string, ...args: unknown[]) => {
        if (!options.allLogLevels && (level === 'information' || level === 'debug' || level === 'trace'))
          return;
        print(`  [${name}] ${level}: ${args.map(String).join(' ')}`);
      };
    server.on('request', (req, res) => {
      const http = definitions.filter(
        (d): d is Extract<FunctionDefinition, { kind: 'http' }> => d.kind === 'http',
      );
      dispatchHttp(http, req, res, url, logHandler, functionKey).catch((error: unknown) => {
        print(`  ! http dispatch failed: ${errorText(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    const serviceBus = { ...readServiceBusHostSettings(), ...options.serviceBus };
    wireQueues(definitions, queue, logHandler, serviceBus);
    const timers = wireTimers(definitions, options.timerIntervalMs ?? 60_000, logHandler);
    stops.push(() => timers.forEach(clearInterval));

    await seedDemoIntegration(runtime, {
      pbxUrl: options.pbxUrl ?? sink?.url ?? '',
      pbxSecret,
      log: consoleLogger('[seed]', print),
    });
    if (options.exchangeServerDemo) {
      // Same PBX and signing secret as the Microsoft 365 demo, so the sink verifies its webhooks too.
      await createExchangeServerIntegration(runtime, {
        id: DEMO_EXCHANGE_INTEGRATION_ID,
        name: 'Fabrikam, Exchange Server (demo)',
        ewsUrl: ews.url,
        userName: DEMO_EXCHANGE.userName,
        password: DEMO_EXCHANGE.password,
        authentication: DEMO_EXCHANGE.authentication,
        accessMode: 'impersonation',
        timeZone: DEMO_EXCHANGE.timeZone,
        pbxUrl: options.pbxUrl ?? sink?.url ?? '',
        pbxSecretName: `pbx-${DEMO_INTEGRATION_ID}`,
        mailboxes: DEMO_EXCHANGE.mailboxes.map((mailbox) => mailbox.address),
        log: consoleLogger('[seed]', print),
      });
    }
    const settle = () => queue.idle({ includeScheduled: true, scheduledHorizonMs: 60_000 });
    const runTimer = (name: string) => invokeTimer(definitions, name, logHandler);
    return {
      url,
      simulator,
      ews,
      sink,
      queue,
      runtime,
      pbxSecret,
      functionKey,
      serviceBus,
      settle,
      runTimer,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Loaded only after LOCAL_HOST is set, so the function files register with
 * this host instead of trying to reach an Azure Functions host.
 */
async function loadFunctions(): Promise<readonly FunctionDefinition[]> {
  // Every file directly in functions/ is one function, as the `main` glob tells the Azure host.
  const folder = join(__dirname, '../../functions');
  for (const file of readdirSync(folder).sort()) {
    if (/\.(ts|js)$/.test(file) && !file.endsWith('.d.ts')) require(join(folder, file));
  }
  return registeredFunctions();
}

function wireQueues(
  definitions: readonly FunctionDefinition[],
  queue: InProcessQueue,
  logHandler: (name: string) => (level: string, ...args: unknown[]) => void,
  settings: ServiceBusHostSettings,
): void {
  for (const definition of definitions) {
    if (definition.kind !== 'serviceBusQueue') continue;
    const sessions = definition.options.isSessionsEnabled === true;
    const options = definition.options;
    if (!('queueName' in options)) continue;
    const handler = options.handler as ServiceBusQueueHandler;
    queue.subscribe(
      options.queueName as 'sync' | 'deliveries',
      async (body, info) => {
        const context = new InvocationContext({
          functionName: definition.name,
          invocationId: randomUUID(),
          logHandler: logHandler(definition.name),
          // The names the Service Bus trigger uses, so the handler parses them as in Azure.
          triggerMetadata: {
            messageId: info.messageId,
            deliveryCount: info.deliveryCount,
            sessionId: info.sessionId,
            enqueuedTimeUtc: info.enqueuedTime.toISOString(),
            applicationProperties: info.applicationProperties,
          },
        });
        await handler(body, context);
      },
      {
        sessions,
        maxConcurrency: sessions ? settings.maxConcurrentSessions : settings.maxConcurrentCalls,
        sessionIdleTimeoutMs: settings.sessionIdleTimeoutMs,
        maxAutoLockRenewalMs: settings.maxAutoLockRenewalMs,
      },
    );
  }
}

async function invokeTimer(
  definitions: readonly FunctionDefinition[],
  name: string,
  logHandler: (name: string) => (level: string, ...args: unknown[]) => void,
): Promise<void> {
  const definition = definitions.find((d) => d.kind === 'timer' && d.name === name);
  if (definition?.kind !== 'timer') throw new Error(`no timer function named ${name}`);
  const handler = definition.options.handler as TimerHandler;
  const context = new InvocationContext({ functionName: name, logHandler: logHandler(name) });
  await handler(pastDueTimer(false), context);
}

/** The timer object the Functions host passes; locally every run is on time. */
function pastDueTimer(isPastDue: boolean): Timer {
  const now = new Date().toISOString();
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: now, next: now, lastUpdated: now },
  };
}

function wireTimers(
  definitions: readonly FunctionDefinition[],
  intervalMs: number,
  logHandler: (name: string) => (level: string, ...args: unknown[]) => void,
): NodeJS.Timeout[] {
  return definitions.flatMap((definition) => {
    if (definition.kind !== 'timer') return [];
    const handler = definition.options.handler as TimerHandler;
    const run = () => {
      const context = new InvocationContext({
        functionName: definition.name,
        logHandler: logHandler(definition.name),
      });
      Promise.resolve(handler({ isPastDue: false, scheduleStatus: undefined } as never, context)).catch(
        (error: unknown) => logHandler(definition.name)('error', errorText(error)),
      );
    };
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return [timer];
  });
}

async function seedDemoIntegration(
  runtime: Runtime,
  demo: { pbxUrl: string; pbxSecret: string; log: Logger },
): Promise<void> {
  const now = new Date().toISOString();
  const secretName = `pbx-${DEMO_INTEGRATION_ID}`;
  await runtime.secrets.set(secretName, demo.pbxSecret);
  const existing = await runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
  const record = {
    id: DEMO_INTEGRATION_ID,
    name: 'Contoso (demo)',
    active: true,
    tenantId: DEMO_TENANT.id,
    consentState: 'granted' as const,
    consentedAt: now,
    pbxUrl: demo.pbxUrl,
    pbxSecretName: secretName,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  if (existing) await runtime.repos.integrations.update(record);
  else await runtime.repos.integrations.create(record);
  for (const user of DEMO_USERS) {
    const result = await addUser(DEMO_INTEGRATION_ID, user.mail, {
      ...runtime.onboarding(demo.log),
    });
    if (result.kind !== 'added') throw new Error(`demo user ${user.mail}: ${result.reason}`);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
