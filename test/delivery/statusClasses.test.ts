import { createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import {
  capturingQueue,
  deliveryDeps,
  integrationFor,
  NOW,
  requestFor,
  type SeenRequest,
  startPbx,
} from './deliveryFixtures';

/**
 * Each answer class of the PBX, through the delivery service with real HTTP
 * and real tables: the outcome, the scheduled retry message (id, attempt,
 * due time) and the delivery log row.
 */
let repos: Repositories;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  repos = await createTestRepositories();
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function pbxAnswering(status: number, headers: Record<string, string> = {}) {
  const pbx = await startPbx((response) => response.writeHead(status, headers).end());
  stops.push(pbx.stop);
  return pbx;
}

async function deliverOnce(url: string, attempt = 1, overrides = {}) {
  const { record, secret, secrets } = await integrationFor(repos, url);
  const queue = capturingQueue();
  const request: DeliveryRequest = { ...requestFor(record.id), ...(attempt > 1 ? { attempt } : {}) };
  const result = await handleDelivery(request, deliveryDeps(repos, secrets, queue, overrides));
  const logged = await repos.deliveries.get(record.id, request.webhookId);
  return { result, queue, logged, record, secret, request, secrets };
}

const seconds = (n: number) => new Date(NOW.getTime() + n * 1000);

describe('delivery outcome and schedule per PBX answer', () => {
  it('2xx: delivered, verifiable with standardwebhooks, nothing scheduled', async () => {
    const pbx = await pbxAnswering(204);
    const { result, queue, logged, secret, request } = await deliverOnce(pbx.url);
    expect(result).toEqual({ kind: 'delivered', status: 204, attempt: 1 });
    expect(queue.sent).toEqual([]);
    expect(logged).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204 });
    expect(logged?.request).toBeUndefined();
    const [seen] = pbx.seen as [SeenRequest];
    const headers = {
      'webhook-id': String(seen.headers['webhook-id']),
      'webhook-timestamp': String(seen.headers['webhook-timestamp']),
      'webhook-signature': String(seen.headers['webhook-signature']),
    };
    expect(new Webhook(secret).verify(seen.body, headers)).toEqual(request.event);
    // The queue-only fields never reach the PBX.
    expect(JSON.parse(seen.body)).not.toHaveProperty('attempt');
  });

  it('408: retry in 5 s as attempt 2, on a new message of the same webhook', async () => {
    const pbx = await pbxAnswering(408);
    const { result, queue, logged, request } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({
      kind: 'retryScheduled',
      nextAttempt: 2,
      status: 408,
      dueAt: seconds(5).toISOString(),
    });
    expect(queue.sent).toHaveLength(1);
    const [{ queue: name, message }] = queue.sent as [(typeof queue.sent)[number]];
    expect(name).toBe('deliveries');
    expect(message.messageId).toBe(`${request.webhookId}:attempt:2`);
    expect(message.scheduledEnqueueTime).toEqual(seconds(5));
    expect(message.body).toEqual({ ...request, attempt: 2 });
    expect(logged).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 408, lastError: 'HTTP 408' });
  });

  it('429 with Retry-After: the next attempt waits as long as the PBX asked', async () => {
    const pbx = await pbxAnswering(429, { 'retry-after': '120' });
    const { result, queue } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 2, status: 429 });
    expect(queue.sent[0]?.message.scheduledEnqueueTime).toEqual(seconds(120));
  });

  it('5xx on attempt 3: attempt 4 after 30 minutes', async () => {
    const pbx = await pbxAnswering(503);
    const { result, queue, request } = await deliverOnce(pbx.url, 3);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 4, status: 503 });
    expect(queue.sent[0]?.message).toMatchObject({
      messageId: `${request.webhookId}:attempt:4`,
      scheduledEnqueueTime: seconds(1800),
      body: { attempt: 4 },
    });
  });

  it('5xx on the last attempt: dead-lettered and kept for replay', async () => {
    const pbx = await pbxAnswering(500);
    const { result, queue, logged, request } = await deliverOnce(pbx.url, 10);
    expect(result).toMatchObject({ kind: 'failed', failure: 'exhausted', attempts: 10, status: 500 });
    expect(queue.sent).toEqual([]);
    const { attempt: _, ...replayable } = { ...request, attempt: 10 };
    expect(logged).toMatchObject({
      state: 'failed',
      failure: 'exhausted',
      attempts: 10,
      request: replayable,
    });
  });

  it('other 4xx: failed without retry, the reason recorded', async () => {
    const pbx = await startPbx((response) => response.writeHead(422).end('unknown reason code'));
    stops.push(pbx.stop);
    const { result, queue, logged } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'rejected', status: 422 });
    expect(queue.sent).toEqual([]);
    expect(logged).toMatchObject({ state: 'failed', lastError: 'HTTP 422: unknown reason code' });
  });

  it('3xx: failed without following the redirect', async () => {
    const elsewhere = await pbxAnswering(204);
    const pbx = await pbxAnswering(302, { location: elsewhere.url });
    const { result, queue } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'rejected', status: 302 });
    expect(queue.sent).toEqual([]);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('410: failed, the endpoint disabled, and later webhooks recorded without a request', async () => {
    const pbx = await pbxAnswering(410);
    const { result, record, secrets } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'gone', status: 410 });
    const integration = (await repos.integrations.get(record.id))?.value;
    expect(integration?.pbxEndpoint).toMatchObject({ state: 'disabled', since: NOW.toISOString() });

    const queue = capturingQueue();
    const later = requestFor(record.id, 'abs_2', 5);
    const second = await handleDelivery(later, deliveryDeps(repos, secrets, queue));
    expect(second).toMatchObject({ kind: 'failed', failure: 'endpointDisabled', attempts: 0 });
    expect(pbx.seen).toHaveLength(1);
    expect(await repos.deliveries.get(record.id, later.webhookId)).toMatchObject({
      state: 'failed',
      failure: 'endpointDisabled',
      request: later,
    });
  });

  it('timeout: retried on the schedule', async () => {
    const silent = await startPbx(() => {
      // Never answers.
    });
    stops.push(silent.stop);
    const { result, queue } = await deliverOnce(silent.url, 1, {
      target: { timeoutMs: 200, allowInsecureLoopback: true, allowedPrivateHosts: [] },
    });
    expect(result).toMatchObject({
      kind: 'retryScheduled',
      nextAttempt: 2,
      reason: 'no answer within 200 ms',
    });
    expect(queue.sent[0]?.message.scheduledEnqueueTime).toEqual(seconds(5));
  });

  it('refused connection: retried on the schedule', async () => {
    const url = await closedPortUrl();
    const { result, queue, logged } = await deliverOnce(url, 2);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 3 });
    expect(result.kind === 'retryScheduled' && result.reason).toMatch(/ECONNREFUSED/);
    expect(queue.sent[0]?.message.scheduledEnqueueTime).toEqual(seconds(300));
    expect(logged).toMatchObject({ state: 'pending', attempts: 2 });
  });

  it('a retry keeps the webhook-id and carries a fresh timestamp and signature', async () => {
    let answer = 503;
    const pbx = await startPbx((response) => response.writeHead(answer).end());
    stops.push(pbx.stop);
    const first = new Date(Date.now() - 30_000);
    const { queue, secrets, secret } = await deliverOnce(pbx.url, 1, { signingNow: () => first });
    answer = 200;
    const retry = queue.sent[0]?.message.body as DeliveryRequest;
    const result = await handleDelivery(retry, deliveryDeps(repos, secrets, capturingQueue()));
    expect(result).toEqual({ kind: 'delivered', status: 200, attempt: 2 });
    const [a, b] = pbx.seen as [SeenRequest, SeenRequest];
    expect(a.headers['webhook-id']).toBe(b.headers['webhook-id']);
    expect(a.headers['webhook-timestamp']).not.toBe(b.headers['webhook-timestamp']);
    expect(a.headers['webhook-signature']).not.toBe(b.headers['webhook-signature']);
    expect(a.body).toBe(b.body);
    const verifier = new Webhook(secret);
    expect(() =>
      verifier.verify(b.body, {
        'webhook-id': String(b.headers['webhook-id']),
        'webhook-timestamp': String(b.headers['webhook-timestamp']),
        'webhook-signature': String(b.headers['webhook-signature']),
      }),
    ).not.toThrow();
  });

  it('a missing signing secret is retried, not dropped', async () => {
    const pbx = await pbxAnswering(204);
    const { record } = await integrationFor(repos, pbx.url);
    const queue = capturingQueue();
    const result = await handleDelivery(
      requestFor(record.id),
      deliveryDeps(repos, createMemorySecretStore(), queue),
    );
    expect(result).toMatchObject({ kind: 'retryScheduled', reason: 'PBX signing secret is not available' });
    expect(pbx.seen).toHaveLength(0);
  });
});

/** A port that was free a moment ago and has no listener now. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks`;
}
