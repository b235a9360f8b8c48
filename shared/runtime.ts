import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { BookingDeps } from './booking/bookingCaller';
import { bookingGroupMembers } from './booking/bookingGroup';
import { rateLimiter } from './booking/bookingRateLimit';
import { type Config, type GraphAppCredentials, loadConfig } from './config';
import type { DeliveryDeps } from './delivery/deliveryAttempt';
import type { DeliveryLogDeps } from './delivery/deliveryLog';
import { localPermits } from './delivery/localPermits';
import { parkedSlots } from './delivery/parkedSlots';
import type { EndpointDeps } from './delivery/pbxEndpoint';
import type { RotationDeps } from './delivery/pbxSecretRotation';
import { defaultPbxSlotPolicy, type IdleSlot } from './delivery/pbxSlots';
import type { SnapshotDeps } from './delivery/snapshotOnDemand';
import type { RuleSet } from './domain/rules/ruleSet';
import { ewsCalendarSource } from './exchange/ewsCalendarSource';
import { checkExchangeConnection } from './exchange/ewsConnectionCheck';
import {
  type ExchangeConnections,
  exchangeConnections,
  isExchangeServer,
} from './exchange/exchangeServerIntegration';
import {
  FOLDER_PERMISSION_POLL_MINUTES,
  type FolderPermissionPollDeps,
} from './exchange/folderPermissionPoll';
import { missingPermissions, type PermissionNeeds, type TenantAccess } from './graph/appPermissions';
import { federatedWithFallback, managedIdentityAssertion } from './graph/federatedCredential';
import { graphCalendarSource } from './graph/graphCalendarSource';
import { createGraphClient } from './graph/graphClient';
import { ownCredentialRefusal } from './graph/tenantAccess';
import { proveTenant } from './graph/tenantProof';
import {
  type AppCredential,
  clientAuthentication,
  httpTokenSource,
  identityTokenSource,
  ManagedIdentityUnavailable,
  type TokenSource,
} from './graph/tokenSource';
import type { Logger } from './logger';
import type { DashboardDeps } from './management/dashboard';
import type { DeadLetterDeps } from './management/deadLetterQueries';
import { advanceEnding, endingDeadlineMs } from './management/integrationEnding';
import type { AdminDeps } from './management/integrations';
import type { PbxApiKeyDeps } from './management/pbxApiKeys';
import type { ConsentDeps } from './onboarding/consentFlow';
import { followGroup } from './onboarding/groupFollowing';
import { continueProvisioning, type ProvisioningDeps } from './onboarding/userProvisioning';
import { type ResolveHost, resolveWithDns } from './pbx/pbxTarget';
import type { DeadLetters } from './queue/deadLetters';
import type { QueueName, QueueSender } from './queue/queuePort';
import { type RetryingHandler, retryingHandler, scheduledRetries } from './queue/queueRetries';
import type { QueueStatistics } from './queue/queueStatistics';
import { serviceBusDeadLettersFromConfig } from './queue/serviceBusDeadLetters';
import { createServiceBusClient, createServiceBusQueueSender } from './queue/serviceBusQueue';
import { serviceBusQueueStatisticsFromConfig } from './queue/serviceBusQueueStatistics';
import { createKeyVaultSecretStore, createSecretClient } from './secrets/keyVaultSecretStore';
import type { SecretStore } from './secrets/secretStore';
import type { StatusPullDeps } from './status/statusPull';
import { batchedDeliveryLog } from './storage/deliveryLogBatch';
import { cachedIntegrations } from './storage/integrationCache';
import type { IntegrationRecord } from './storage/records';
import type { Repositories } from './storage/repositories';
import { createTableRepositories } from './storage/tableRepositories';
import { cachedUsers } from './storage/userCache';
import type { EwsUpkeepDeps } from './subscriptions/ewsSubscriptionUpkeep';
import type { MaintenanceDeps } from './subscriptions/maintenanceRun';
import { lifecycleUpkeep, type SubscriptionDeps } from './subscriptions/subscriptionKeeper';
import type { CalendarSource } from './sync/calendarSource';
import type { EwsIntakeDeps } from './sync/ewsNotificationIntake';
import type { IntakeDeps } from './sync/notificationIntake';
import { type SubscriptionLookups, subscriptionLookups } from './sync/subscriptionLookups';
import { syncRetryCovers } from './sync/syncRequest';
import type { SyncDeps } from './sync/userSync';
import { metricsFromSettings } from './telemetry/azureMonitor';
import type { Metrics } from './telemetry/metrics';

// The one composition root. Every client is built here from the parsed config,
// once per process, and every capability's dependencies are put together here:
// a function file parses its trigger, asks the runtime for its capability's
// dependencies (with the invocation's logger) and calls one service. The Azure
// entry points and the local host both use it; the local host only swaps the
// queue and the secret store for in-process ones.

export interface Runtime {
  config: Config;
  repos: Repositories;
  queue: QueueSender;
  queueStatistics: QueueStatistics;
  /** What the queues gave up on, and sending it back. */
  deadLetters: DeadLetters;
  secrets: SecretStore;
  /** Counts and times what operators watch in Azure Monitor (no-op without an exporter). */
  metrics: Metrics;
  /** The Graph client of the integration's tenant, as the app its consent mode uses (scoped or tenant-wide). */
  graphFor(integration: GraphIdentity): Client;
  /** Where the integration's calendars are read from: Exchange Online over Graph, or Exchange Server over EWS. */
  calendarSourceFor(
    integration: GraphIdentity &
      Pick<IntegrationRecord, 'exchangeServer'> & { ruleSet?: Pick<RuleSet, 'automaticReplies'> },
    log: Logger,
  ): CalendarSource;
  /** Exchange Server service-account connections, their passwords kept per instance. */
  exchange: ExchangeConnections;
  /**
   * Gets (or reuses) a token for the tenant; throws TenantAccessError when
   * Entra ID refuses the app. Answers the permissions the sync needs that the
   * token does not carry (the admin removed them but kept the app).
   */
  confirmTenantAccess(integration: GraphIdentity & PermissionNeeds): Promise<TenantAccess>;
  now: () => Date;
  /** Per instance: which subscription ids are ours, and the bounded reads that find out. */
  subscriptionLookups: SubscriptionLookups;
  /** `exchangeNotifications` is the base of EWS callback URLs: each subscription appends its secret. */
  urls: { notification: string; lifecycle: string; consentCallback: string; exchangeNotifications: string };
  /** Resolves PBX host names, when a URL is saved and before every send (DNS; a stub in tests). */
  resolveHost: ResolveHost;
  /** Each capability's dependencies, for one invocation's logger. */
  intake(log: Logger, cause: 'notification' | 'lifecycle'): IntakeDeps;
  /** Exchange Server's push notifications (functions/exchangeNotifications.ts). */
  exchangeIntake(log: Logger): EwsIntakeDeps;
  /** Adding and removing users, provisioning after consent. */
  onboarding(log: Logger): ProvisioningDeps;
  sync(log: Logger): SyncDeps;
  delivery(log: Logger): DeliveryDeps;
  maintenance(log: Logger): MaintenanceDeps;
  /** Exchange Server integrations in folder-permission mode, read on a timer (no push for delegates). */
  folderPermissionPoll(log: Logger): FolderPermissionPollDeps;
  consent(log: Logger): ConsentDeps;
  management(log: Logger): ManagementDeps;
  /** The PBX asking for a user's status with its own API key (functions/pbxStatus.ts). */
  statusPull(): StatusPullDeps;
  /** The call centre's booking API with its own key (functions/bookingApi.ts); rate limits and group members kept per instance. */
  booking(log: Logger): BookingDeps;
  /** A queue handler's retries with growing pauses, then the dead-letter queue (shared/queue/queueRetries.ts). */
  retrying(queue: QueueName, log: Logger): RetryingHandler;
}

/** The management API's services, each with what it needs (see functions/manage*.ts). */
export interface ManagementDeps {
  admin: AdminDeps;
  deliveryLog: DeliveryLogDeps;
  endpoint: EndpointDeps;
  snapshot: SnapshotDeps;
  rotation: RotationDeps;
  pbxApiKeys: PbxApiKeyDeps;
  dashboard: DashboardDeps;
  deadLetters: DeadLetterDeps;
  publicBaseUrl: string;
}

export type GraphIdentity = Pick<IntegrationRecord, 'tenantId' | 'consentMode'>;

export interface RuntimeOverrides {
  queue?: QueueSender;
  queueStatistics?: QueueStatistics;
  deadLetters?: DeadLetters;
  secrets?: SecretStore;
  /** Where metrics go; by default Application Insights when its connection string is set, else nowhere. */
  metrics?: Metrics;
  now?: () => Date;
  /** Sees every Graph request (the benchmarks count them). */
  onGraphRequest?: (method: string, url: string) => void;
  /** Sees every EWS request (the benchmarks count them). */
  onEwsRequest?: () => void;
  /** Answers DNS questions for PBX host names (tests play a rebinding name with it). */
  resolveHost?: ResolveHost;
  /** Where the runtime's own warnings go (outside any invocation); the console by default. */
  log?: Logger;
}

export async function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  let azureCredential: TokenCredential | undefined;
  const credential = () => {
    azureCredential ??= azureResourceCredential(config);
    return azureCredential;
  };
  const log = overrides.log ?? consoleRuntimeLogger;
  const tables = await createTableRepositories({
    ...(config.TABLES_CONNECTION_STRING
      ? { connectionString: config.TABLES_CONNECTION_STRING }
      : { endpoint: config.TABLES_ENDPOINT, credential: credential() }),
    tablePrefix: config.TABLE_PREFIX,
    createMissing: !config.STORAGE_TABLES_PROVISIONED,
  });
  const deliveries = batchedDeliveryLog(tables.deliveries, {
    delayMs: DELIVERY_LOG_BATCH_MS,
    onWriteFailed: (error, rows) =>
      log.warn('could not write delivered webhooks to the delivery log', {
        rows,
        error: error instanceof Error ? error.name : 'error',
      }),
  });
  const repos: Repositories = {
    ...tables,
    integrations: cachedIntegrations(tables.integrations, { ttlMs: config.INTEGRATION_CACHE_SECONDS * 1000 }),
    users: cachedUsers(tables.users, { ttlMs: config.INTEGRATION_CACHE_SECONDS * 1000 }),
    deliveries,
    // Slots share the log's partition: a slot an instance gives back rides in its next log write.
    pbxSlots: {
      ...tables.pbxSlots,
      releaseSoon: (integrationId, slot) => deliveries.releaseSlotSoon({ integrationId, slot }),
    },
  };
  const queue = overrides.queue ?? serviceBusQueue(config, credential);
  const queueStatistics =
    overrides.queueStatistics ?? serviceBusQueueStatisticsFromConfig(config, credential);
  const secrets = overrides.secrets ?? keyVault(config, credential);
  const now = overrides.now ?? (() => new Date());
  const deadLetters =
    overrides.deadLetters ?? serviceBusDeadLettersFromConfig(config, credential, queue, now);
  const metrics = overrides.metrics ?? metricsFromSettings(config, credential);
  // Token lifetimes follow the runtime's clock, so a test that moves the clock sees tokens expire.
  const nowMs = () => now().getTime();
  const tokens = tokenSourceFor(config.graphApps.main, config, nowMs, log);
  const scopedApp = config.graphApps.scoped;
  const scopedTokens = scopedApp ? tokenSourceFor(scopedApp, config, nowMs, log) : undefined;
  const tokensFor = (integration: GraphIdentity): TokenSource => {
    if (integration.consentMode !== 'scoped') return tokens;
    if (!scopedTokens) throw new Error('scoped consent mode needs GRAPH_SCOPED_CLIENT_ID and its credential');
    return scopedTokens;
  };
  const clients = new Map<string, Client>();
  const exchange = exchangeConnections(secrets);
  const base = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const infrastructure: Infrastructure = {
    config,
    repos,
    queue,
    queueStatistics,
    deadLetters,
    secrets,
    metrics,
    now,
    subscriptionLookups: subscriptionLookups(),
    resolveHost: overrides.resolveHost ?? resolveWithDns,
    urls: {
      notification: `${base}/api/graph/notifications`,
      lifecycle: `${base}/api/graph/lifecycle`,
      consentCallback: `${base}/api/consent/callback`,
      exchangeNotifications: `${base}/api/exchange/notifications`,
    },
    graphFor(integration) {
      const tenantId = integration.tenantId;
      if (!tenantId) throw new Error('integration has no tenant yet (admin consent pending)');
      const key = `${integration.consentMode ?? 'tenantWide'}:${tenantId}`;
      let client = clients.get(key);
      if (!client) {
        client = createGraphClient({
          baseUrl: config.GRAPH_BASE_URL,
          tenantId,
          tokens: tokensFor(integration),
          onAnswer: (kind, status, retryAfter) => metrics.graphRequest(kind, status, retryAfter),
          ...(overrides.onGraphRequest ? { onRequest: overrides.onGraphRequest } : {}),
        });
        clients.set(key, client);
      }
      return client;
    },
    exchange,
    calendarSourceFor(integration, log) {
      const exchangeServer = integration.exchangeServer;
      if (exchangeServer) {
        return ewsCalendarSource({
          connection: () => exchange.connectionFor({ exchangeServer }),
          passwordSetAt: exchangeServer.passwordSetAt,
          defaultTimeZone: exchangeServer.timeZone,
          pageSize: config.DELTA_PAGE_SIZE,
          log,
          ...(overrides.onEwsRequest ? { onRequest: overrides.onEwsRequest } : {}),
        });
      }
      return graphCalendarSource({
        client: infrastructure.graphFor(integration),
        baseUrl: config.GRAPH_BASE_URL,
        pageSize: config.DELTA_PAGE_SIZE,
        log,
        ...(integration.ruleSet?.automaticReplies.sync
          ? { automaticReplies: { maxAgeMinutes: config.AUTOMATIC_REPLIES_MAX_AGE_MINUTES, now } }
          : {}),
      });
    },
    async confirmTenantAccess(integration) {
      if (!integration.tenantId) throw new Error('integration has no tenant yet (admin consent pending)');
      const token = await tokensFor(integration)(integration.tenantId);
      return { missingPermissions: missingPermissions(token, integration) };
    },
  };
  return assembleRuntime(infrastructure);
}

/** The clients and settings the capabilities are built from. */
export type Infrastructure = Omit<
  Runtime,
  | 'intake'
  | 'exchangeIntake'
  | 'onboarding'
  | 'sync'
  | 'delivery'
  | 'maintenance'
  | 'folderPermissionPoll'
  | 'consent'
  | 'management'
  | 'statusPull'
  | 'booking'
  | 'retrying'
>;

/**
 * Builds every capability's dependencies from the infrastructure. Tests that
 * swap one part (say, the queue statistics) assemble again, so the swap
 * reaches every capability.
 */
export function assembleRuntime(infra: Infrastructure): Runtime {
  const { config, repos, queue, secrets, now, urls, metrics } = infra;
  const bookingMembers = bookingGroupMembers(config.GRAPH_BASE_URL, now);
  const bookingLimiter = rateLimiter({
    burst: config.BOOKING_RATE_BURST,
    perMinute: config.BOOKING_RATE_PER_MINUTE,
  });
  const pbxSlotPolicy = defaultPbxSlotPolicy(config.PBX_MAX_CONCURRENT_REQUESTS, config.PBX_TIMEOUT_MS);
  // Once per runtime: every delivery of this instance queues at the same permits.
  const pbxPermits = localPermits();
  const pbxParked = parkedSlots<IdleSlot>();
  const syncRetries = scheduledRetries();
  // Known EWS subscriptions are read each time, never served from memory: a replaced one is answered
  // Unsubscribe at its next notification, not after the memory's 30 s. Unknown ids are still remembered.
  const ewsLookups = subscriptionLookups({ knownTtlMs: -1 });
  const ewsUpkeep = (log: Logger): EwsUpkeepDeps => ({
    repos,
    ewsConnectionFor: (integration) => {
      if (!isExchangeServer(integration)) throw new Error('not an Exchange Server integration');
      return infra.exchange.connectionFor(integration);
    },
    now,
    urls,
    log,
  });
  const provisioning = (log: Logger): ProvisioningDeps => ({
    repos,
    graphFor: infra.graphFor,
    queue,
    now,
    urls,
    subscriptionMinutes: config.SUBSCRIPTION_MAX_MINUTES,
    defaultTimeZone: config.DEFAULT_TIME_ZONE,
    ewsSubscriptions: ewsUpkeep(log),
    log,
  });
  const subscriptionUpkeep = (log: Logger): SubscriptionDeps => ({
    repos,
    graphFor: infra.graphFor,
    now,
    urls,
    subscriptionMinutes: config.SUBSCRIPTION_MAX_MINUTES,
    log,
  });
  const admin = (log: Logger): AdminDeps => ({
    ...provisioning(log),
    secrets,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    pbxTarget: config.pbxTarget,
    resolveHost: infra.resolveHost,
    exchange: {
      check: checkExchangeConnection,
      allowLoopbackHttp: config.EXCHANGE_ALLOW_LOOPBACK_HTTP,
      connections: infra.exchange,
    },
    endingPolicy: {
      staleRowMs: config.INTEGRATION_CACHE_SECONDS * 1000,
      deadlineMs: endingDeadlineMs(config.pbxRetryPolicy),
    },
  });
  return {
    ...infra,
    onboarding: provisioning,
    intake: (log, cause) => ({
      subscriptions: repos.subscriptions,
      queue,
      now,
      coalesceSeconds: config.SYNC_COALESCE_SECONDS,
      lookups: infra.subscriptionLookups,
      cause,
      log,
    }),
    exchangeIntake: (log) => ({
      subscriptions: repos.subscriptions,
      queue,
      now,
      coalesceSeconds: config.SYNC_COALESCE_SECONDS,
      lookups: ewsLookups,
      log,
    }),
    sync: (log) => ({
      repos,
      sourceFor: (integration) => infra.calendarSourceFor(integration, log),
      queue,
      now,
      log,
      onLifecycleEvent: lifecycleUpkeep(subscriptionUpkeep(log)),
      tenantAccess: (integration) => infra.confirmTenantAccess(integration),
      metrics,
    }),
    folderPermissionPoll: (log) => ({
      repos,
      queue,
      now,
      intervalMinutes: FOLDER_PERMISSION_POLL_MINUTES,
      log,
    }),
    delivery: (log) => ({
      integrations: repos.integrations,
      deliveries: repos.deliveries,
      secrets,
      queue,
      retryPolicy: config.pbxRetryPolicy,
      pbxSlots: {
        slots: repos.pbxSlots,
        local: pbxPermits,
        parked: pbxParked,
        policy: pbxSlotPolicy,
        clock: () => new Date(),
      },
      target: config.pbxTarget,
      resolveHost: infra.resolveHost,
      now,
      // Signatures carry wall-clock time: receivers reject timestamps far from their own clock.
      signingNow: () => new Date(),
      log,
      metrics,
    }),
    maintenance: (log) => ({
      ...subscriptionUpkeep(log),
      repos,
      queue,
      renewMarginMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
      createsPerRun: config.SUBSCRIPTION_CREATES_PER_RUN,
      catchUpMinutes: config.CATCH_UP_MINUTES,
      retentionDays: config.RETENTION_DAYS,
      coalesceSeconds: config.SYNC_COALESCE_SECONDS,
      confirmTenantAccess: (integration) => infra.confirmTenantAccess(integration),
      metrics,
      exchangeServer: ewsUpkeep(log),
      followGroup: async (integration, pace) => {
        await followGroup(integration, { ...provisioning(log), graphBaseUrl: config.GRAPH_BASE_URL, pace });
      },
      advanceEnding: async (integration, until) =>
        (await advanceEnding(integration.id, admin(log), { until })).kind === 'finished',
      provisionPending: async (integration, pace) => {
        await continueProvisioning(integration.id, provisioning(log), pace);
      },
    }),
    consent: (log) => ({
      ...provisioning(log),
      consent: {
        clientId: config.GRAPH_CLIENT_ID,
        ...(config.GRAPH_SCOPED_CLIENT_ID ? { scopedClientId: config.GRAPH_SCOPED_CLIENT_ID } : {}),
        authorityHost: config.CONSENT_AUTHORITY_HOST,
        callbackUrl: urls.consentCallback,
        linkMinutes: config.CONSENT_LINK_MINUTES,
      },
      proveTenant: (answer) =>
        proveTenant(answer, {
          authorityHost: config.CONSENT_AUTHORITY_HOST,
          callbackUrl: urls.consentCallback,
          clientAuthFor: (clientId) => {
            const app = [config.graphApps.main, config.graphApps.scoped].find(
              (a) => a?.clientId === clientId,
            );
            return app ? signInClientAuth(app) : undefined;
          },
        }),
    }),
    management: (log) => ({
      admin: admin(log),
      deliveryLog: { integrations: repos.integrations, deliveries: repos.deliveries, queue, now },
      endpoint: { integrations: repos.integrations, now },
      snapshot: { ...repos, queue, now },
      rotation: {
        integrations: repos.integrations,
        secrets,
        now,
        windowHours: config.PBX_SECRET_ROTATION_HOURS,
        log,
      },
      pbxApiKeys: { integrations: repos.integrations, now, log },
      dashboard: {
        repos,
        now,
        queueStatistics: infra.queueStatistics,
        deadLetters: infra.deadLetters,
        log,
        expiringWithinMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
      },
      deadLetters: { deadLetters: infra.deadLetters, log },
      publicBaseUrl: config.PUBLIC_BASE_URL,
    }),
    statusPull: () => ({
      integrations: repos.integrations,
      users: repos.users,
      absences: repos.absences,
      now,
    }),
    booking: (log) => ({
      integrations: repos.integrations,
      bookings: repos.bookings,
      bookingLog: repos.bookingLog,
      graphFor: infra.graphFor,
      graphBaseUrl: config.GRAPH_BASE_URL,
      members: bookingMembers,
      limiter: bookingLimiter,
      now,
      log,
    }),
    retrying: (name, log) =>
      retryingHandler(name, {
        queue,
        policy: config.queueRetryPolicy,
        now,
        log,
        // A sync carries no data: a retry of the user's session already scheduled stands for any later one.
        ...(name === 'sync' ? { folding: { book: syncRetries, covers: syncRetryCovers } } : {}),
      }),
  };
}

/**
 * One Graph app's token source: the federated credential (the managed
 * identity's token as client assertion) when configured, with the secret as
 * the fallback when both are; otherwise the secret. MSAL (inside
 * @azure/identity) accepts only https authorities; the simulator speaks plain
 * http, so locally the grant goes over HTTP directly.
 */
function tokenSourceFor(
  app: GraphAppCredentials,
  config: Config,
  nowMs: () => number,
  log: Logger,
): TokenSource {
  const source = (credential: AppCredential) => {
    const options = { clientId: app.clientId, credential, authorityHost: config.GRAPH_AUTHORITY_HOST };
    return config.GRAPH_AUTHORITY_HOST.startsWith('http://')
      ? httpTokenSource({ ...options, now: nowMs })
      : identityTokenSource(options);
  };
  const secret = app.clientSecret ? source({ kind: 'secret', clientSecret: app.clientSecret }) : undefined;
  if (!app.federatedIdentityClientId) {
    if (!secret) throw new Error(`Graph app ${app.clientId} has neither a federated credential nor a secret`);
    return secret;
  }
  return federatedWithFallback({
    federated: source({
      kind: 'assertion',
      assertion: managedIdentityAssertion(app.federatedIdentityClientId),
    }),
    secret,
    now: nowMs,
    // Never the secret or the assertion: the app, the tenant and Entra's code say what to fix.
    onFirstFallback: (tenantId, reason) =>
      log.warn(
        'Graph app: the federated credential was refused, the client secret is used instead; register the managed identity as a federated credential of the app (docs/operations.md)',
        { clientId: app.clientId, tenantId, reason },
      ),
  });
}

/**
 * How the app authenticates when it redeems the admin's sign-in code: the
 * federated credential when configured (the secret only if the managed
 * identity gives no token: a code is single-use, so a refused assertion is
 * not retried with the secret), else the secret.
 */
async function signInClientAuth(app: GraphAppCredentials): Promise<Record<string, string> | undefined> {
  if (app.federatedIdentityClientId) {
    try {
      return await clientAuthentication({
        kind: 'assertion',
        assertion: managedIdentityAssertion(app.federatedIdentityClientId),
      });
    } catch (error) {
      if (!(error instanceof ManagedIdentityUnavailable) || !app.clientSecret) throw error;
    }
  }
  return app.clientSecret ? { client_secret: app.clientSecret } : undefined;
}

/**
 * Tables, Service Bus and Key Vault in Azure: the user-assigned managed
 * identity and nothing else. DefaultAzureCredential would also try
 * environment secrets, a developer's CLI login and more, which must never
 * stand in for the identity in production
 * (https://learn.microsoft.com/azure/developer/javascript/sdk/credential-chains).
 * Locally, connection strings and in-process fakes are used instead.
 */
export function azureResourceCredential(config: Pick<Config, 'AZURE_CLIENT_ID'>): TokenCredential {
  return new ManagedIdentityCredential(config.AZURE_CLIENT_ID ? { clientId: config.AZURE_CLIENT_ID } : {});
}

/**
 * Whether a failure is Entra ID refusing the service's own Graph credential,
 * with Entra's code: the HTTP side answers that as "unavailable, see the
 * docs" instead of an internal error, since no request can succeed until the
 * operator fixes the credential.
 */
export function graphCredentialRefusal(error: unknown): { code: string } | undefined {
  return ownCredentialRefusal(error);
}

/**
 * How long a delivered webhook's log row waits for others of its integration
 * to share one transaction: long enough to gather a sync's webhooks, short
 * enough that the dashboard is barely behind and little is lost with an instance.
 */
const DELIVERY_LOG_BATCH_MS = 1000;

/** Warnings from outside any invocation; the Functions host sends console output to Application Insights. */
const consoleRuntimeLogger: Logger = {
  info: (message, properties) => console.info(message, properties ?? {}),
  warn: (message, properties) => console.warn(message, properties ?? {}),
  error: (message, properties) => console.error(message, properties ?? {}),
};

function serviceBusQueue(config: Config, credential: () => TokenCredential): QueueSender {
  const namespace = config.ServiceBusConnection__fullyQualifiedNamespace;
  if (config.QUEUE_MODE !== 'servicebus' || !namespace) {
    throw new Error('QUEUE_MODE=in-process needs the local host, which provides the queue');
  }
  return createServiceBusQueueSender(createServiceBusClient(namespace, credential()));
}

function keyVault(config: Config, credential: () => TokenCredential): SecretStore {
  if (!config.KEY_VAULT_URL) throw new Error('KEY_VAULT_URL is required outside the local host');
  return createKeyVaultSecretStore(createSecretClient(config.KEY_VAULT_URL, credential()));
}

/**
 * Shares one start while it runs and after it succeeded, but forgets a failed
 * one, so the next call starts again. On a fresh deployment the identity's
 * role assignments can take minutes to apply: the first start then fails to
 * create its tables, and a start kept forever would fail every later call on
 * that worker until the platform recycled it.
 */
export function startedOnce<T>(start: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return () => {
    if (!current) {
      const starting = start();
      current = starting;
      starting.catch(() => {
        if (current === starting) current = undefined;
      });
    }
    return current;
  };
}

let installed: Promise<Runtime> | undefined;
const startFromSettings = startedOnce(() => createRuntime(loadConfig()));

/** The Functions entry points call this; the first call builds the runtime from app settings. */
export function getRuntime(): Promise<Runtime> {
  return installed ?? startFromSettings();
}

/** The local host and tests install a runtime they built themselves (tests: one still starting, too). */
export function useRuntime(runtime: Runtime | Promise<Runtime>): void {
  installed = Promise.resolve(runtime);
}
