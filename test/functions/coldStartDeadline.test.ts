// The first notification on a new instance arrives while the runtime starts
// (tokens, connections, tables). Graph gives up on an answer after 3 s and
// counts one after 2.9 s as slow
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks),
// so the handler's deadline runs from the POST's arrival, start-up included:
// here the simulator's own delivery timer measures each answer, as Graph's
// HTTP client would. The validation handshake waits for no runtime at all.

import { SLOW_ANSWER_MS } from '../../dev/graphSimulator/notificationSender';
import { assembleRuntime, type Runtime, useRuntime } from '../../shared/runtime';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The runtime as the first call on a new instance sees it: ready only after `ms`. */
function startingFor(ms: number, runtime: Runtime): Promise<Runtime> {
  return sleep(ms).then(() => runtime);
}

describe('the notification deadline on a cold start', () => {
  const host = useTestHost({ timerIntervalMs: 3_600_000 });

  beforeAll(() => settle(host));
  afterEach(() => useRuntime(host.runtime));

  /** A change in Alice's calendar; answers the deliveries of the notification Graph sent for it. */
  async function changeAndDeliver() {
    const before = host.simulator.notifications().length;
    const graph = await graphAs(host);
    const slot = hourFromNow(30 + before);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Offsite',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    await host.simulator.flushNotifications();
    return host.simulator.notifications().slice(before);
  }

  it('still answers 202 in time when the start took part of the deadline', async () => {
    useRuntime(startingFor(1_200, host.runtime));
    const deliveries = await changeAndDeliver();
    expect(deliveries.map((d) => d.status)).toEqual([202]);
    // The answer waited for most of the start (it began just before Graph sent).
    expect(deliveries[0]!.durationMs).toBeGreaterThan(1_000);
    expect(deliveries[0]!.durationMs).toBeLessThan(SLOW_ANSWER_MS);
  });

  it('answers 503 before Graph gives up when start-up and queuing together take too long, and the retry is taken', async () => {
    const stalled = {
      ...host.runtime.queue,
      send: async (...args: Parameters<Runtime['queue']['send']>) => {
        await sleep(1_500);
        return host.runtime.queue.send(...args);
      },
    };
    useRuntime(startingFor(1_500, assembleRuntime({ ...host.runtime, queue: stalled })));
    const [first, ...others] = await changeAndDeliver();
    expect(others).toEqual([]);
    expect(first!.status).toBe(503);
    expect(first!.durationMs).toBeLessThan(SLOW_ANSWER_MS);
    expect(host.logs.join('\n')).toContain('queuing syncs took too long');

    // Warm now: Graph's redelivery a minute later is accepted.
    useRuntime(host.runtime);
    host.simulator.clock.advance(61_000);
    await host.simulator.flushNotifications();
    const retry = host.simulator.notifications().at(-1)!;
    expect(retry).toMatchObject({ attempt: 2, status: 202 });
    await settle(host);
  });

  it('answers 503 within the limit when start-up alone outlasts it', async () => {
    useRuntime(startingFor(4_000, host.runtime));
    const deliveries = await changeAndDeliver();
    expect(deliveries.map((d) => d.status)).toEqual([503]);
    expect(deliveries[0]!.durationMs).toBeLessThan(SLOW_ANSWER_MS);
    expect(host.logs.join('\n')).toContain('the runtime was still starting at the deadline');
    await sleep(2_000); // let the slow start finish before the next test installs its own
  });

  it.each(['notifications', 'lifecycle'])(
    'answers the validation handshake on graph/%s while the runtime has not started',
    async (route) => {
      useRuntime(new Promise<Runtime>(() => {}));
      const started = performance.now();
      const url = `${host.url}/api/graph/${route}?validationToken=${encodeURIComponent('token 123')}`;
      const response = await fetch(url, {
        method: 'POST',
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('token 123');
      expect(performance.now() - started).toBeLessThan(1_000);
    },
  );
});
