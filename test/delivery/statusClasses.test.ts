// Each answer class of the PBX, through the delivery service with real HTTP
// and real tables: the outcome, the scheduled retry message (id, attempt,
// due time) and the delivery log row.

import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import { type PbxRequest, urlNobodyListensOn, useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, NOW, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});
const pbx = useTestPbx();
/** A second PBX, where a redirect would lead. */
const elsewhere = useTestPbx();

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
    pbx.answer(204);
    const { result, queue, logged, secret, request } = await deliverOnce(pbx.url);
    expect(result).toEqual({ kind: 'delivered', status: 204, attempt: 1 });
    expect(queue.sent).toEqual([]);
    expect(logged).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204 });
    expect(logged?.request).toBeUndefined();
    const [seen] = pbx.requests as [PbxRequest];
    expect(seen.verify(secret)).toEqual(request.event);
    // The queue-only fields never reach the PBX.
    expect(JSON.parse(seen.body)).not.toHaveProperty('attempt');
  });

  it('408: retry in 5 s as attempt 2, on a new message of the same webhook', async () => {
    pbx.answer(408);
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
    pbx.answer(429, { headers: { 'retry-after': '120' } });
    const { result, queue } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 2, status: 429 });
    expect(queue.sent[0]?.message.scheduledEnqueueTime).toEqual(seconds(120));
  });

  it('5xx on attempt 3: attempt 4 after 30 minutes', async () => {
    pbx.answer(503);
    const { result, queue, request } = await deliverOnce(pbx.url, 3);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 4, status: 503 });
    expect(queue.sent[0]?.message).toMatchObject({
      messageId: `${request.webhookId}:attempt:4`,
      scheduledEnqueueTime: seconds(1800),
      body: { attempt: 4 },
    });
  });

  it('5xx on the last attempt: dead-lettered and kept for replay', async () => {
    pbx.answer(500);
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
    pbx.answer(422, { body: 'unknown reason code' });
    const { result, queue, logged } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'rejected', status: 422 });
    expect(queue.sent).toEqual([]);
    expect(logged).toMatchObject({ state: 'failed', lastError: 'HTTP 422: unknown reason code' });
  });

  it('3xx: failed without following the redirect', async () => {
    elsewhere.answer(204);
    pbx.answer(302, { headers: { location: elsewhere.url } });
    const { result, queue } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'rejected', status: 302 });
    expect(queue.sent).toEqual([]);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('410: failed, the endpoint disabled, and later webhooks recorded without a request', async () => {
    pbx.answer(410);
    const { result, record, secrets } = await deliverOnce(pbx.url);
    expect(result).toMatchObject({ kind: 'failed', failure: 'gone', status: 410 });
    const integration = (await repos.integrations.get(record.id))?.value;
    expect(integration?.pbxEndpoint).toMatchObject({ state: 'disabled', since: NOW.toISOString() });

    const queue = capturingQueue();
    const later = requestFor(record.id, 'abs_2', 5);
    const second = await handleDelivery(later, deliveryDeps(repos, secrets, queue));
    expect(second).toMatchObject({ kind: 'failed', failure: 'endpointDisabled', attempts: 0 });
    expect(pbx.requests).toHaveLength(1);
    expect(await repos.deliveries.get(record.id, later.webhookId)).toMatchObject({
      state: 'failed',
      failure: 'endpointDisabled',
      request: later,
    });
  });

  it('timeout: retried on the schedule, even when the PBX answers 2xx too late', async () => {
    pbx.answer(204, { delayMs: 1000 });
    const { result, queue } = await deliverOnce(pbx.url, 1, {
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
    const { result, queue, logged } = await deliverOnce(await urlNobodyListensOn(), 2);
    expect(result).toMatchObject({ kind: 'retryScheduled', nextAttempt: 3 });
    expect(result.kind === 'retryScheduled' && result.reason).toMatch(/ECONNREFUSED/);
    expect(queue.sent[0]?.message.scheduledEnqueueTime).toEqual(seconds(300));
    expect(logged).toMatchObject({ state: 'pending', attempts: 2 });
  });

  it('a retry keeps the webhook-id and carries a fresh timestamp and signature', async () => {
    pbx.answer(503);
    const first = new Date(Date.now() - 30_000);
    const { queue, secrets, secret } = await deliverOnce(pbx.url, 1, { signingNow: () => first });
    pbx.answer(200);
    const retry = queue.sent[0]?.message.body as DeliveryRequest;
    const result = await handleDelivery(retry, deliveryDeps(repos, secrets, capturingQueue()));
    expect(result).toEqual({ kind: 'delivered', status: 200, attempt: 2 });
    const [a, b] = pbx.requests as [PbxRequest, PbxRequest];
    expect(a.headers['webhook-id']).toBe(b.headers['webhook-id']);
    expect(a.headers['webhook-timestamp']).not.toBe(b.headers['webhook-timestamp']);
    expect(a.headers['webhook-signature']).not.toBe(b.headers['webhook-signature']);
    expect(a.body).toBe(b.body);
    expect(() => b.verify(secret)).not.toThrow();
  });

  it('a missing signing secret is retried, not dropped', async () => {
    pbx.answer(204);
    const { record } = await integrationFor(repos, pbx.url);
    const queue = capturingQueue();
    const result = await handleDelivery(
      requestFor(record.id),
      deliveryDeps(repos, createMemorySecretStore(), queue),
    );
    expect(result).toMatchObject({ kind: 'retryScheduled', reason: 'PBX signing secret is not available' });
    expect(pbx.requests).toHaveLength(0);
  });
});
