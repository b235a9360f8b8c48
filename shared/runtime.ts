import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { type Config, loadConfig } from './config';
import type { DeliveryDeps } from './delivery/deliveryAttempt';
import type { DeliveryLogDeps } from './delivery/deliveryLog';
import { localPermits } from './delivery/localPermits';
import type { EndpointDeps } from './delivery/pbxEndpoint';
import type { RotationDeps } from './delivery/pbxSecretRotation';
import { defaultPbxSlotPolicy } from './delivery/pbxSlots';
import type { SnapshotDeps } from './delivery/snapshotOnDemand';
import { missingPermissions, type PermissionNeeds, type TenantAccess } from './graph/appPermissions';
import { graphCalendarSource } from './graph/graphCalendarSource';
import { createGraphClient } from './graph/graphClient';
import { proveTenant } from './graph/tenantProof';
import { httpTokenSource, identityTokenSource, type TokenSource } from './graph/tokenSource';
import type { Logger } from './logger';
import type { DashboardDeps } from './management/dashboard';
import type { AdminDeps } from './management/integrations';
import type { ConsentDeps } from './onboarding/consentFlow';
import { followGroup } from './onboarding/groupFollowing';
import type { ProvisioningDeps } from './onboarding/userProvisioning';
import { type ResolveHost, resolveWithDns } from './pbx/pbxTarget';
import type { QueueSender } from './queue/queuePort';
import type { QueueStatistics } from './queue/queueStatistics';
import { createServiceBusClient, createServiceBusQueueSender } from './queue/serviceBusQueue';
import { serviceBusQueueStatisticsFromConfig } from './queue/serviceBusQueueStatistics';
import { createKeyVaultSecretStore, createSecretClient } from './secrets/keyVaultSecretStore';
import type { SecretStore } from './secrets/secretStore';
import type { IntegrationRecord } from './storage/records';
import type { Repositories } from './storage/repositories';
import { createTableRepositories } from './storage/tableRepositories';
import type { MaintenanceDeps } from './subscriptions/maintenanceRun';
import { lifecycleUpkeep, type SubscriptionDeps } from './subscriptions/subscriptionKeeper';
import type { CalendarSource } from './sync/calendarSource';
import type { IntakeDeps } from './sync/notificationIntake';
import { type SubscriptionLookups, subscriptionLookups } from './sync/subscriptionLookups';
import type { SyncDeps } from './sync/userSync';

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
  secrets: SecretStore;
  /** The Graph client of the integration's tenant, as the app its consent mode uses (scoped or tenant-wide). */
  graphFor(integration: GraphIdentity): Client;
  /** Where the integration's calendars are read from: Exchange Online over Graph (the one kind so far). */
  calendarSourceFor(integration: GraphIdentity, log: Logger): CalendarSource;
  /**
   * Gets (or reuses) a token for the tenant; throws TenantAccessError when
   * Entra ID refuses the app. Answers the permissions the sync needs that the
   * token does not carry (the admin removed them but kept the app).
   */
  confirmTenantAccess(integration: GraphIdentity & PermissionNeeds): Promise<TenantAccess>;
  now: () => Date;
  /** Per instance: which subscription ids are ours, and the bounded reads that find out. */
  subscriptionLookups: SubscriptionLookups;
  urls: { notification: string; lifecycle: string; consentCallback: string };
  /** Resolves PBX host names, when a URL is saved and before every send (DNS; a stub in tests). */
  resolveHost: ResolveHost;
  /** Each capability's dependencies, for one invocation's logger. */
  intake(log: Logger, cause: 'notification' | 'lifecycle'): IntakeDeps;
  /** Adding and removing users, provisioning after consent. */
  onboarding(log: Logger): ProvisioningDeps;
  sync(log: Logger): SyncDeps;
  delivery(log: Logger): DeliveryDeps;
  maintenance(log: Logger): MaintenanceDeps;
  consent(log: Logger): ConsentDeps;
  management(log: Logger): ManagementDeps;
}

/** The management API's services, each with what it needs (see functions/manage*.ts). */
export interface ManagementDeps {
  admin: AdminDeps;
  deliveryLog: DeliveryLogDeps;
  endpoint: EndpointDeps;
  snapshot: SnapshotDeps;
  rotation: RotationDeps;
  dashboard: DashboardDeps;
  publicBaseUrl: string;
}

export type GraphIdentity = Pick<IntegrationRecord, 'tenantId' | 'consentMode'>;

export interface RuntimeOverrides {
  queue?: QueueSender;
  queueStatistics?: QueueStatistics;
  secrets?: SecretStore;
  now?: () => Date;
  /** Sees every Graph request (the benchmarks count them). */
  onGraphRequest?: (method: string, url: string) => void;
  /** Answers DNS questions for PBX host names (tests play a rebinding name with it). */
  resolveHost?: ResolveHost;
}

export async function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  let azureCredential: TokenCredential | undefined;
  const credential = () => {
    azureCredential ??= new DefaultAzureCredential(
      config.AZURE_CLIENT_ID ? { managedIdentityClientId: config.AZURE_CLIENT_ID } : {},
    );
    return azureCredential;
  };
  const repos = await createTableRepositories({
    ...(config.TABLES_CONNECTION_STRING
      ? { connectionString: config.TABLES_CONNECTION_STRING }
      : { endpoint: config.TABLES_ENDPOINT, credential: credential() }),
    tablePrefix: config.TABLE_PREFIX,
  });
  const queue = overrides.queue ?? serviceBusQueue(config, credential);
  const queueStatistics =
    overrides.queueStatistics ?? serviceBusQueueStatisticsFromConfig(config, credential);
  const secrets = overrides.secrets ?? keyVault(config, credential);
  const now = overrides.now ?? (() => new Date());
  // Token lifetimes follow the runtime's clock, so a test that moves the clock sees tokens expire.
  const tokens = tokenSourceFor(config.GRAPH_CLIENT_ID, config.GRAPH_CLIENT_SECRET, config, () =>
    now().getTime(),
  );
  const scopedTokens =
    config.GRAPH_SCOPED_CLIENT_ID && config.GRAPH_SCOPED_CLIENT_SECRET
      ? tokenSourceFor(config.GRAPH_SCOPED_CLIENT_ID, config.GRAPH_SCOPED_CLIENT_SECRET, config, () =>
          now().getTime(),
        )
      : undefined;
  const tokensFor = (integration: GraphIdentity): TokenSource => {
    if (integration.consentMode !== 'scoped') return tokens;
    if (!scopedTokens) throw new Error('scoped consent mode needs GRAPH_SCOPED_CLIENT_ID and its secret');
    return scopedTokens;
  };
  const clients = new Map<string, Client>();
  const base = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const infrastructure: Infrastructure = {
    config,
    repos,
    queue,
    queueStatistics,
    secrets,
    now,
    subscriptionLookups: subscriptionLookups(),
    resolveHost: overrides.resolveHost ?? resolveWithDns,
    urls: {
      notification: `${base}/api/graph/notifications`,
      lifecycle: `${base}/api/graph/lifecycle`,
      consentCallback: `${base}/api/consent/callback`,
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
          ...(overrides.onGraphRequest ? { onRequest: overrides.onGraphRequest } : {}),
        });
        clients.set(key, client);
      }
      return client;
    },
    calendarSourceFor(integration, log) {
      return graphCalendarSource({
        client: infrastructure.graphFor(integration),
        baseUrl: config.GRAPH_BASE_URL,
        pageSize: config.DELTA_PAGE_SIZE,
        log,
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
  'intake' | 'onboarding' | 'sync' | 'delivery' | 'maintenance' | 'consent' | 'management'
>;

/**
 * Builds every capability's dependencies from the infrastructure. Tests that
 * swap one part (say, the queue statistics) assemble again, so the swap
 * reaches every capability.
 */
export function assembleRuntime(infra: Infrastructure): Runtime {
  const { config, repos, queue, secrets, now, urls } = infra;
  const pbxSlotPolicy = defaultPbxSlotPolicy(config.PBX_MAX_CONCURRENT_REQUESTS, config.PBX_TIMEOUT_MS);
  // Once per runtime: every delivery of this instance queues at the same permits.
  const pbxPermits = localPermits();
  const provisioning = (log: Logger): ProvisioningDeps => ({
    repos,
    graphFor: infra.graphFor,
    queue,
    now,
    urls,
    subscriptionMinutes: config.SUBSCRIPTION_MAX_MINUTES,
    defaultTimeZone: config.DEFAULT_TIME_ZONE,
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
    sync: (log) => ({
      repos,
      sourceFor: (integration) => infra.calendarSourceFor(integration, log),
      queue,
      now,
      log,
      onLifecycleEvent: lifecycleUpkeep(subscriptionUpkeep(log)),
      tenantAccess: (integration) => infra.confirmTenantAccess(integration),
    }),
    delivery: (log) => ({
      integrations: repos.integrations,
      deliveries: repos.deliveries,
      secrets,
      queue,
      retryPolicy: config.pbxRetryPolicy,
      pbxSlots: { slots: repos.pbxSlots, local: pbxPermits, policy: pbxSlotPolicy, clock: () => new Date() },
      target: config.pbxTarget,
      resolveHost: infra.resolveHost,
      now,
      // Signatures carry wall-clock time: receivers reject timestamps far from their own clock.
      signingNow: () => new Date(),
      log,
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
      followGroup: async (integration) => {
        await followGroup(integration, { ...provisioning(log), graphBaseUrl: config.GRAPH_BASE_URL });
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
          clientSecretFor: (clientId) =>
            clientId === config.GRAPH_CLIENT_ID
              ? config.GRAPH_CLIENT_SECRET
              : clientId === config.GRAPH_SCOPED_CLIENT_ID
                ? config.GRAPH_SCOPED_CLIENT_SECRET
                : undefined,
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
      dashboard: {
        repos,
        now,
        queueStatistics: infra.queueStatistics,
        log,
        expiringWithinMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
      },
      publicBaseUrl: config.PUBLIC_BASE_URL,
    }),
  };
}

/** MSAL (inside @azure/identity) accepts only https authorities; the simulator speaks plain http. */
function tokenSourceFor(
  clientId: string,
  clientSecret: string,
  config: Config,
  nowMs: () => number,
): TokenSource {
  const options = {
    clientId,
    clientSecret,
    authorityHost: config.GRAPH_AUTHORITY_HOST,
  };
  return config.GRAPH_AUTHORITY_HOST.startsWith('http://')
    ? httpTokenSource({ ...options, now: nowMs })
    : identityTokenSource(options);
}

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

/** The local host and tests install a runtime they built themselves. */
export function useRuntime(runtime: Runtime): void {
  installed = Promise.resolve(runtime);
}
