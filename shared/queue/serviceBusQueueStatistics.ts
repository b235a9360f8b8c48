// Queue statistics from Service Bus: `getQueueRuntimeProperties` of the
// management (ATOM) API, whose `activeMessageCount`, `scheduledMessageCount`
// and `deadLetterMessageCount` are the port's three counts.
//   https://learn.microsoft.com/javascript/api/@azure/service-bus/servicebusadministrationclient
//   https://learn.microsoft.com/javascript/api/@azure/service-bus/queueruntimeproperties
// Reading a queue's description needs the Manage right (SAS claim; with
// Entra ID, the Azure Service Bus Data Owner role), not the Send/Listen the
// functions otherwise need:
//   https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas#rights-required-for-service-bus-operations
// Until the deployment grants it, and whenever Service Bus is slow or down,
// the figures are unavailable and the dashboard still answers.
//
// Answers (failures included) are kept for a short while: Microsoft calls
// reading the counters "an expensive operation inside the message broker" that
// hurts the entity's performance when done often, and the dashboard is read
// per integration and on every refresh, while the counts are deployment-wide.
//   https://learn.microsoft.com/azure/service-bus-messaging/message-counters
import type { TokenCredential } from '@azure/identity';
import { type QueueRuntimeProperties, ServiceBusAdministrationClient } from '@azure/service-bus';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { QueueName } from './queuePort';
import { type QueueFigures, type QueueStatistics, unavailableQueueStatistics } from './queueStatistics';

/** The part of `ServiceBusAdministrationClient` we use, so tests can hand in a fake of the same shape. */
export interface QueueAdministrationClientLike {
  getQueueRuntimeProperties(
    queueName: string,
    options?: { abortSignal?: AbortSignal },
  ): Promise<
    Pick<QueueRuntimeProperties, 'activeMessageCount' | 'scheduledMessageCount' | 'deadLetterMessageCount'>
  >;
}

export interface ServiceBusQueueStatisticsOptions {
  /** How long an answer is reused; default 20 s, well under a human's patience with a refresh button. */
  cacheMs?: number;
  /** The dashboard waits no longer than this for Service Bus (its own retries included); default 5 s. */
  timeoutMs?: number;
  /** Clock for the cache; real time, since it is about the broker's load. */
  now?: () => number;
}

export const DEFAULT_STATISTICS_CACHE_MS = 20_000;
export const DEFAULT_STATISTICS_TIMEOUT_MS = 5_000;

export function createServiceBusAdministrationClient(
  fullyQualifiedNamespace: string,
  credential: TokenCredential,
): ServiceBusAdministrationClient {
  return new ServiceBusAdministrationClient(fullyQualifiedNamespace, credential);
}

/** What the composition root builds in Azure: the namespace and identity the queue sender uses. */
export function serviceBusQueueStatisticsFromConfig(
  config: Pick<Config, 'QUEUE_MODE' | 'ServiceBusConnection__fullyQualifiedNamespace'>,
  credential: () => TokenCredential,
): QueueStatistics {
  const namespace = config.ServiceBusConnection__fullyQualifiedNamespace;
  if (config.QUEUE_MODE !== 'servicebus' || !namespace) {
    return unavailableQueueStatistics('this host has no Service Bus to count');
  }
  return serviceBusQueueStatistics(createServiceBusAdministrationClient(namespace, credential()));
}

export function serviceBusQueueStatistics(
  client: QueueAdministrationClientLike,
  options: ServiceBusQueueStatisticsOptions = {},
): QueueStatistics {
  const cacheMs = options.cacheMs ?? DEFAULT_STATISTICS_CACHE_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_STATISTICS_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  // The promise, not its value, so concurrent dashboard calls share one management request.
  const cache = new Map<QueueName, { at: number; figures: Promise<QueueFigures> }>();

  async function read(queue: QueueName, log: Logger): Promise<QueueFigures> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const properties = await Promise.race([
        client.getQueueRuntimeProperties(queue, { abortSignal: abort.signal }),
        // Whether or not the client honours the signal, the dashboard stops waiting.
        new Promise<never>((_, reject) =>
          abort.signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }),
        ),
      ]);
      return {
        available: true,
        active: properties.activeMessageCount,
        scheduled: properties.scheduledMessageCount,
        deadLettered: properties.deadLetterMessageCount,
      };
    } catch (error) {
      const reason = abort.signal.aborted
        ? `Service Bus did not answer within ${timeoutMs / 1000} s`
        : reasonFor(error);
      // The reason goes to the screen; the error's own words only to the log.
      log.warn('queue statistics unavailable', { queue, reason, ...errorFacts(error) });
      return { available: false, reason };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    figures(queue, log) {
      const cached = cache.get(queue);
      if (cached && now() - cached.at < cacheMs) return cached.figures;
      const figures = read(queue, log);
      cache.set(queue, { at: now(), figures });
      return figures;
    },
  };
}

function reasonFor(error: unknown): string {
  const { status, name } = errorFacts(error);
  // The SDK turns 401 into UnauthorizedRequestError; 403 means quota or an invalid operation there.
  if (status === 401) return 'not allowed: reading queue statistics needs the Manage right on Service Bus';
  if (status === 404) return 'the queue does not exist in the Service Bus namespace';
  if (status !== undefined) return `Service Bus answered ${status}`;
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError') {
    return 'no token for Service Bus (managed identity)';
  }
  return 'Service Bus could not be reached';
}

/** Structural, like the SDK's RestError (`statusCode`, `code`), and safe when errors cross realms. */
function errorFacts(error: unknown): { status?: number; code?: string; name?: string; error?: string } {
  if (typeof error !== 'object' || error === null) return { error: String(error) };
  const facts: { status?: number; code?: string; name?: string; error?: string } = {};
  if ('statusCode' in error && typeof error.statusCode === 'number') facts.status = error.statusCode;
  if ('code' in error && typeof error.code === 'string') facts.code = error.code;
  if ('name' in error && typeof error.name === 'string') facts.name = error.name;
  if ('message' in error && typeof error.message === 'string') facts.error = error.message.slice(0, 300);
  return facts;
}
