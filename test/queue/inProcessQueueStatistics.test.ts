import { silentLogger } from '../../dev/localHost/consoleLogger';
import { createInProcessQueue, type InProcessQueue } from '../../dev/localHost/inProcessQueue';
import { inProcessQueueStatistics } from '../../dev/localHost/inProcessQueueStatistics';

/** The in-process queue's own counts, grouped as Service Bus reports a queue's messages. */
describe('in-process queue statistics', () => {
  let queue: InProcessQueue;
  let release: () => void = () => {};
  afterEach(() => {
    release();
    queue.close();
  });

  it('counts waiting and locked messages as active, apart from scheduled and dead-lettered ones', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 1 });
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.subscribe(
      'deliveries',
      async (body) => {
        if (body === 'poison') throw new Error('cannot be handled');
        if (body === 'hold') await held;
      },
      { maxConcurrency: 1 },
    );
    await queue.send('deliveries', [{ body: 'poison', messageId: 'poison' }]);
    await queue.idle();

    await queue.send('deliveries', [
      { body: 'hold', messageId: 'hold' },
      { body: 'waiting', messageId: 'waiting' },
      { body: 'later', messageId: 'later', scheduledEnqueueTime: new Date(Date.now() + 3_600_000) },
    ]);
    const statistics = inProcessQueueStatistics(queue);

    expect(await statistics.figures('deliveries', silentLogger)).toEqual({
      available: true,
      active: 2,
      scheduled: 1,
      deadLettered: 1,
    });
    expect(await statistics.figures('sync', silentLogger)).toEqual({
      available: true,
      active: 0,
      scheduled: 0,
      deadLettered: 0,
    });
  });

  it('counts a failed message waiting for its redelivery as active', async () => {
    queue = createInProcessQueue({ maxDeliveryCount: 3, retryDelayMs: 60_000 });
    queue.subscribe('sync', async () => {
      throw new Error('not yet');
    });
    await queue.send('sync', [{ body: 'flaky', messageId: 'flaky' }]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(queue.stats('sync')).toMatchObject({ ready: 0, inFlight: 0, retrying: 1 });
    expect(await inProcessQueueStatistics(queue).figures('sync', silentLogger)).toEqual({
      available: true,
      active: 1,
      scheduled: 0,
      deadLettered: 0,
    });
  });
});
