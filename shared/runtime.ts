import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { type Config, loadConfig } from './config';
import { graphCalendarSource } from './graph/graphCalendarSource';
import { createGraphClient } from './graph/graphClient';
import { httpTokenSource, identityTokenSource, type TokenSource } from './graph/tokenSource';
import type { Logger } from './logger';
import type { ProvisioningDeps } from './onboarding/userProvisioning';
import type { QueueSender } from './queue/queuePort';
import { createServiceBusClient, createServiceBusQueueSender } from './queue/serviceBusQueue';
import { createKeyVaultSecretStore, createSecretClient } from './secrets/keyVaultSecretStore';
import type { SecretStore } from './secrets/secretStore';
import type { IntegrationRecord } from './storage/records';
import type { Repositories } from './storage/repositories';
import { createTableRepositories } from './storage/tableRepositories';
import type { CalendarSource } from './sync/calendarSource';
import { type SubscriptionCache, subscriptionCache } from './sync/notificationIntake';

/**
 * The one composition root: every client is built here from config and handed
 * to the services. The Azure entry points and the local host both use it; the
 * local host only swaps the queue and the secret store for in-process ones.
 */
export interface Runtime {
  config: Config;
  repos: Repositories;
  queue: QueueSender;
  secrets: SecretStore;
  /** The Graph client of the integration's tenant, as the app its consent mode uses (scoped or tenant-wide). */
  graphFor(integration: GraphIdentity): Client;
  /** Where the integration's calendars are read from: Exchange Online over Graph (the one kind so far). */
  calendarSourceFor(integration: GraphIdentity, log: Logger): CalendarSource;
  /** Gets (or reuses) a token for the tenant; throws TenantAccessError when Entra ID refuses the app. */
  confirmTenantAccess(integration: GraphIdentity): Promise<void>;
  now: () => Date;
  subscriptionCache: SubscriptionCache;
  urls: { notification: string; lifecycle: string; consentCallback: string };
}

export type GraphIdentity = Pick<IntegrationRecord, 'tenantId' | 'consentMode'>;

export interface RuntimeOverrides {
  queue?: QueueSender;
  secrets?: SecretStore;
  now?: () => Date;
  /** Sees every Graph request (the benchmarks count them). */
  onGraphRequest?: (method: string, url: string) => void;
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
  const runtime: Runtime = {
    config,
    repos,
    queue,
    secrets,
    now,
    subscriptionCache: subscriptionCache(30_000),
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
        client: runtime.graphFor(integration),
        baseUrl: config.GRAPH_BASE_URL,
        pageSize: config.DELTA_PAGE_SIZE,
        log,
      });
    },
    async confirmTenantAccess(integration) {
      if (!integration.tenantId) throw new Error('integration has no tenant yet (admin consent pending)');
      await tokensFor(integration)(integration.tenantId);
    },
  };
  return runtime;
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

let current: Promise<Runtime> | undefined;

/** The Functions entry points call this; the first call builds the runtime from app settings. */
export function getRuntime(): Promise<Runtime> {
  current ??= createRuntime(loadConfig());
  return current;
}

/** The local host and tests install a runtime they built themselves. */
export function useRuntime(runtime: Runtime): void {
  current = Promise.resolve(runtime);
}

/** What the provisioning services need, as the runtime provides it; one place instead of every caller. */
export function provisioningDeps(runtime: Runtime, log: Logger): ProvisioningDeps {
  return {
    repos: runtime.repos,
    graphFor: runtime.graphFor,
    queue: runtime.queue,
    now: runtime.now,
    urls: runtime.urls,
    subscriptionMinutes: runtime.config.SUBSCRIPTION_MAX_MINUTES,
    defaultTimeZone: runtime.config.DEFAULT_TIME_ZONE,
    log,
  };
}
