import type { TokenCredential } from '@azure/identity';
import type { QueueRuntimeProperties } from '@azure/service-bus';
import type { Logger } from '../../shared/logger';
import type { QueueName } from '../../shared/queue/queuePort';
import {
  createServiceBusAdministrationClient,
  type QueueAdministrationClientLike,
  serviceBusQueueStatistics,
  serviceBusQueueStatisticsFromConfig,
} from '../../shared/queue/serviceBusQueueStatistics';

/** Runtime properties as the SDK returns them, counters and all. */
function runtimeProperties(
  name: string,
  counts: { active: number; scheduled: number; deadLetter: number },
): QueueRuntimeProperties {
  const at = new Date('2026-11-25T08:00:00Z');
  return {
    name,
    createdAt: at,
    modifiedAt: at,
    accessedAt: at,
    totalMessageCount: counts.active + counts.scheduled + counts.deadLetter + 7,
    activeMessageCount: counts.active,
    scheduledMessageCount: counts.scheduled,
    deadLetterMessageCount: counts.deadLetter,
    transferMessageCount: 3,
    transferDeadLetterMessageCount: 4,
    sizeInBytes: 1234,
  };
}

/** A stand-in for ServiceBusAdministrationClient: answers (or fails) per queue and records every request. */
function fakeAdministrationClient(answer: (queue: string) => Promise<QueueRuntimeProperties>) {
  const asked: string[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  const client: QueueAdministrationClientLike = {
    getQueueRuntimeProperties(queueName, options) {
      asked.push(queueName);
      signals.push(options?.abortSignal);
      return answer(queueName);
    },
  };
  return { client, asked, signals };
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; properties?: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (message, properties) => lines.push({ level: 'info', message, properties }),
    warn: (message, properties) => lines.push({ level: 'warn', message, properties }),
    error: (message, properties) => lines.push({ level: 'error', message, properties }),
  };
  return { log, lines };
}

/** What the SDK throws (a RestError) when Service Bus answers a management request with an error status. */
function restError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'RestError', code, statusCode });
}

const UNAUTHORIZED = restError(
  401,
  'UnauthorizedRequestError',
  "Unauthorized access. 'Manage,EntityRead' claim(s) are required to perform this operation. " +
    "Resource: 'sb://contoso-prod.servicebus.windows.net/deliveries'. TrackingId:4f1c2b7e-0c1d, SystemTracker:gateway",
);

describe('Service Bus queue statistics', () => {
  it('maps the runtime properties of the asked queue to active, scheduled and dead-lettered', async () => {
    const counts: Record<QueueName, { active: number; scheduled: number; deadLetter: number }> = {
      deliveries: { active: 12, scheduled: 5, deadLetter: 2 },
      sync: { active: 3, scheduled: 40, deadLetter: 0 },
    };
    const { client, asked } = fakeAdministrationClient(async (queue) =>
      runtimeProperties(queue, counts[queue as QueueName]),
    );
    const statistics = serviceBusQueueStatistics(client);
    const { log, lines } = recordingLogger();

    expect(await statistics.figures('deliveries', log)).toEqual({
      available: true,
      active: 12,
      scheduled: 5,
      deadLettered: 2,
    });
    expect(await statistics.figures('sync', log)).toEqual({
      available: true,
      active: 3,
      scheduled: 40,
      deadLettered: 0,
    });
    expect(asked).toEqual(['deliveries', 'sync']);
    expect(lines).toEqual([]);
  });

  it('asks Service Bus at most once per queue within the cache window, concurrent callers included', async () => {
    let clock = 1_000_000;
    let active = 1;
    const { client, asked } = fakeAdministrationClient(async (queue) =>
      runtimeProperties(queue, { active: active++, scheduled: 0, deadLetter: 0 }),
    );
    const statistics = serviceBusQueueStatistics(client, { cacheMs: 20_000, now: () => clock });
    const { log } = recordingLogger();

    const [first, second] = await Promise.all([
      statistics.figures('deliveries', log),
      statistics.figures('deliveries', log),
    ]);
    clock += 19_999;
    const third = await statistics.figures('deliveries', log);
    expect([first, second, third].map((f) => f.available && f.active)).toEqual([1, 1, 1]);
    expect(asked).toEqual(['deliveries']);

    clock += 1;
    expect(await statistics.figures('deliveries', log)).toMatchObject({ available: true, active: 2 });
    expect(asked).toEqual(['deliveries', 'deliveries']);
  });

  it('answers unavailable without the Manage right, logging the error once per failed request', async () => {
    let clock = 0;
    let granted = false;
    const { client, asked } = fakeAdministrationClient(async (queue) => {
      if (!granted) throw UNAUTHORIZED;
      return runtimeProperties(queue, { active: 1, scheduled: 2, deadLetter: 3 });
    });
    const statistics = serviceBusQueueStatistics(client, { cacheMs: 20_000, now: () => clock });
    const { log, lines } = recordingLogger();

    const figures = await statistics.figures('deliveries', log);
    expect(figures).toEqual({
      available: false,
      reason: 'not allowed: reading queue statistics needs the Manage right on Service Bus',
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'queue statistics unavailable',
        properties: expect.objectContaining({
          queue: 'deliveries',
          status: 401,
          code: 'UnauthorizedRequestError',
          error: expect.stringContaining('Manage,EntityRead'),
        }),
      },
    ]);

    // A refresh loop inside the window neither asks nor logs again.
    clock += 5_000;
    expect(await statistics.figures('deliveries', log)).toEqual(figures);
    expect(asked).toHaveLength(1);
    expect(lines).toHaveLength(1);

    // Once the right is granted, the next window shows the figures.
    granted = true;
    clock += 20_000;
    expect(await statistics.figures('deliveries', log)).toEqual({
      available: true,
      active: 1,
      scheduled: 2,
      deadLettered: 3,
    });
    expect(asked).toHaveLength(2);
    expect(lines).toHaveLength(1);
  });

  it.each([
    [
      'a missing queue',
      restError(404, 'MessageEntityNotFoundError', "Entity 'sb://contoso-prod/x' was not found"),
      'the queue does not exist in the Service Bus namespace',
    ],
    [
      'a busy broker',
      restError(503, 'ServerBusyError', 'The server is busy. TrackingId:abc'),
      'Service Bus answered 503',
    ],
    [
      'no network',
      // core-rest-pipeline's shape for a request that never got an answer.
      Object.assign(new Error('getaddrinfo ENOTFOUND contoso-prod.servicebus.windows.net'), {
        name: 'RestError',
        code: 'REQUEST_SEND_ERROR',
      }),
      'Service Bus could not be reached',
    ],
    [
      'no token',
      Object.assign(new Error('ManagedIdentityCredential: no endpoint'), {
        name: 'CredentialUnavailableError',
      }),
      'no token for Service Bus (managed identity)',
    ],
    ['a thrown string', 'SharedAccessKey=c2VjcmV0', 'Service Bus could not be reached'],
  ])('gives a short reason, free of the error text, for %s', async (_case, error, reason) => {
    const { client } = fakeAdministrationClient(async () => {
      throw error;
    });
    const { log, lines } = recordingLogger();
    const figures = await serviceBusQueueStatistics(client).figures('sync', log);
    expect(figures).toEqual({ available: false, reason });
    expect(lines.map((line) => line.level)).toEqual(['warn']);
    expect(lines[0]?.properties).toMatchObject({ queue: 'sync', reason });
  });

  it('stops waiting when Service Bus does not answer in time, and aborts the request', async () => {
    const { client, signals } = fakeAdministrationClient(() => new Promise<never>(() => {}));
    const { log, lines } = recordingLogger();
    const started = Date.now();
    const figures = await serviceBusQueueStatistics(client, { timeoutMs: 50 }).figures('deliveries', log);
    expect(figures).toEqual({ available: false, reason: 'Service Bus did not answer within 0.05 s' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(signals[0]?.aborted).toBe(true);
    expect(lines).toHaveLength(1);
  });

  it('accepts the real ServiceBusAdministrationClient, and needs no Service Bus in-process', async () => {
    const credential: TokenCredential = { getToken: async () => null };
    // Building makes no request: this proves the structural type fits the real client.
    const client = createServiceBusAdministrationClient('example.servicebus.windows.net', credential);
    expect(serviceBusQueueStatistics(client)).toHaveProperty('figures');

    const noCredential = () => {
      throw new Error('no credential is needed without Service Bus');
    };
    const { log, lines } = recordingLogger();
    const local = serviceBusQueueStatisticsFromConfig({ QUEUE_MODE: 'in-process' }, noCredential);
    expect(await local.figures('deliveries', log)).toEqual({
      available: false,
      reason: 'this host has no Service Bus to count',
    });
    expect(lines).toEqual([]);
  });
});
