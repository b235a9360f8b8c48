// Graph's delivery rules as the simulator applies them
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks):
// a 3 s client timeout, answers over 2900 ms counted as slow, redelivery of
// anything but a 2xx for up to 4 hours, and the consequences of a slow share
// once an endpoint has had 100 notifications (10 %: held back 10 minutes;
// 15 %: dropped).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatorClock } from '../../dev/graphSimulator/clock';
import {
  createNotificationSender,
  type NotificationSender,
} from '../../dev/graphSimulator/notificationSender';

interface Endpoint {
  url: string;
  /** Path → [status, wait in ms]. */
  answers: Map<string, [number, number]>;
  close(): Promise<void>;
}

async function startEndpoint(): Promise<Endpoint> {
  const answers = new Map<string, [number, number]>();
  const server: Server = createServer((request, reply) => {
    request.resume();
    request.on('end', () => {
      const [status, waitMs] = answers.get(request.url ?? '/') ?? [202, 0];
      setTimeout(() => {
        if (!reply.destroyed) reply.writeHead(status).end();
      }, waitMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('notification delivery as Graph does it', () => {
  let endpoint: Endpoint;
  let sender: NotificationSender;
  const clock = createSimulatorClock();

  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  beforeEach(() => {
    sender = createNotificationSender(0, () => clock.now());
  });
  afterEach(() => sender.stop());
  afterAll(() => endpoint.close());

  it('waits 3 s, counts answers over 2.9 s as slow, and redelivers a timed-out POST', async () => {
    endpoint.answers.set('/slow', [202, 2_950]);
    endpoint.answers.set('/late', [202, 3_400]);
    await Promise.all([
      sender.send(`${endpoint.url}/slow`, { n: 1 }),
      sender.send(`${endpoint.url}/late`, { n: 2 }),
    ]);
    const answerTo = (path: string) => sender.deliveries().find((d) => d.url === `${endpoint.url}${path}`)!;
    const slow = answerTo('/slow');
    const late = answerTo('/late');
    expect(slow.status).toBe(202);
    expect(late.status).toBe(0);
    expect(late.durationMs).toBeLessThan(3_300);
    expect(sender.stats()).toMatchObject({ attempts: 2, delivered: 1, slow: 2, waiting: 1 });
    endpoint.answers.set('/late', [202, 0]);
    clock.advance(60_000);
    await sender.flush();
    expect(sender.stats()).toMatchObject({ delivered: 2, redelivered: 1, waiting: 0 });
  });

  it('backs off on a non-2xx answer and gives up after 4 hours', async () => {
    endpoint.answers.set('/down', [503, 0]);
    const started = clock.now().getTime();
    await sender.send(`${endpoint.url}/down`, { n: 3 });
    const times: number[] = [clock.now().getTime() - started];
    for (let minute = 1; minute <= 5 * 60; minute++) {
      clock.advance(60_000);
      const before = sender.deliveries().length;
      await sender.flush();
      if (sender.deliveries().length > before) times.push(clock.now().getTime() - started);
    }
    const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]!) / 60_000));
    expect(gaps.slice(0, 4)).toEqual([1, 2, 4, 8]);
    expect(times.at(-1)!).toBeLessThanOrEqual(4 * 3_600_000);
    expect(sender.stats()).toMatchObject({ delivered: 0, discarded: 1, waiting: 0 });
  });

  it('holds back notifications to an endpoint with 10 % slow answers and drops them at 15 %', async () => {
    const url = `${endpoint.url}/sluggish`;
    // Graph judges only after 100 notifications: 10 slow of 99 is no verdict yet.
    endpoint.answers.set('/sluggish', [202, 2_950]);
    await Promise.all(Array.from({ length: 10 }, (_, n) => sender.send(url, { slow: n })));
    endpoint.answers.set('/sluggish', [202, 0]);
    await Promise.all(Array.from({ length: 89 }, (_, n) => sender.send(url, { fast: n })));
    expect(sender.stats()).toMatchObject({ slow: 10, throttledUrls: [] });
    await sender.send(url, { fast: 89 });
    expect(sender.stats().throttledUrls).toEqual([url]);

    const attempts = sender.stats().attempts;
    await sender.send(url, { held: true });
    expect(sender.stats()).toMatchObject({ attempts, waiting: 1 });
    clock.advance(10 * 60_000 - 1_000);
    await sender.flush();
    expect(sender.stats().attempts).toBe(attempts);
    clock.advance(1_000);
    await sender.flush();
    // The count starts over every 10 minutes, so the held one goes out and the endpoint is clear.
    expect(sender.stats()).toMatchObject({ attempts: attempts + 1, waiting: 0, throttledUrls: [] });

    endpoint.answers.set('/sluggish', [202, 2_950]);
    // 16 slow of 101 answers in this window (the held one included): over 15 %.
    await Promise.all(Array.from({ length: 16 }, (_, n) => sender.send(url, { slow: n })));
    endpoint.answers.set('/sluggish', [202, 0]);
    await Promise.all(Array.from({ length: 84 }, (_, n) => sender.send(url, { fast: n })));
    await sender.send(url, { dropped: true });
    expect(sender.stats().droppedSlow).toBe(1);
    expect(sender.deliveries().some((d) => JSON.stringify(d.payload).includes('dropped'))).toBe(false);
  });
});
