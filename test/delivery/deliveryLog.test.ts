import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import { deliverySummary, replayFailedDeliveries } from '../../shared/delivery/deliveryLog';
import { enablePbxEndpoint } from '../../shared/delivery/pbxEndpoint';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, NOW, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});

describe('delivery log, 410 and replay', () => {
  const pbx = useTestPbx();

  it('counts, shows the latest errors, and replays failed webhooks once the endpoint is enabled again', async () => {
    const { record, secrets } = await integrationFor(repos, pbx.url);
    const queue = capturingQueue();
    const deps = deliveryDeps(repos, secrets, queue);
    pbx.answer(204);
    await handleDelivery(requestFor(record.id, 'abs_ok', 1), deps);
    pbx.answer(503, { body: 'nope' });
    await handleDelivery(requestFor(record.id, 'abs_retry', 1), deps);
    pbx.answer(410, { body: 'nope' });
    await handleDelivery(requestFor(record.id, 'abs_gone', 1), deps);
    // The endpoint is disabled now: this one is not even attempted.
    await handleDelivery(requestFor(record.id, 'abs_held', 1), deps);
    expect(pbx.requests).toHaveLength(3);

    const found = await deliverySummary(record.id, repos);
    if (found.kind !== 'ok') throw new Error(found.reason);
    const summary = found.value;
    expect(summary).toMatchObject({
      endpoint: { state: 'disabled', reason: 'the PBX answered 410 Gone' },
      counts: { delivered: 1, pending: 1, failed: 2 },
      failedBy: { gone: 1, endpointDisabled: 1, exhausted: 0, rejected: 0 },
    });
    expect(summary.lastErrors.map((e) => e.webhookId).sort()).toEqual([
      'msg_abs_gone_1',
      'msg_abs_held_1',
      'msg_abs_retry_1',
    ]);
    expect(summary.lastErrors.find((e) => e.webhookId === 'msg_abs_retry_1')).toMatchObject({
      state: 'pending',
      status: 503,
      error: 'HTTP 503: nope',
      attempts: 1,
    });

    const replayDeps = {
      integrations: repos.integrations,
      deliveries: repos.deliveries,
      queue,
      now: () => NOW,
    };
    expect(await replayFailedDeliveries(record.id, replayDeps)).toEqual({
      kind: 'conflict',
      reason: 'the PBX endpoint is disabled (the PBX answered 410 Gone); enable it first',
    });
    expect(await enablePbxEndpoint(record.id, { integrations: repos.integrations, now: () => NOW })).toEqual({
      kind: 'enabled',
      wasDisabled: true,
    });

    queue.sent.length = 0;
    const replay = await replayFailedDeliveries(record.id, replayDeps, ['msg_abs_held_1', 'msg_unknown']);
    expect(replay).toEqual({
      kind: 'replayed',
      webhookIds: ['msg_abs_held_1'],
      notFailed: ['msg_unknown'],
    });
    expect(queue.sent.map((s) => s.message.messageId)).toEqual(['msg_abs_held_1:replay:1:attempt:1']);
    expect(await repos.deliveries.get(record.id, 'msg_abs_held_1')).toMatchObject({
      state: 'pending',
      attempts: 0,
    });

    // The replayed message goes out with the same webhook id and is delivered.
    pbx.answer(204);
    const replayed = queue.sent[0]?.message.body as DeliveryRequest;
    expect(replayed.webhookId).toBe('msg_abs_held_1');
    expect(await handleDelivery(replayed, deps)).toMatchObject({ kind: 'delivered', attempt: 1 });
    expect(pbx.requests.at(-1)?.headers['webhook-id']).toBe('msg_abs_held_1');

    const rest = await replayFailedDeliveries(record.id, replayDeps);
    expect(rest).toMatchObject({ kind: 'replayed', webhookIds: ['msg_abs_gone_1'] });
    expect(await deliverySummary(record.id, repos)).toMatchObject({
      kind: 'ok',
      value: { counts: { delivered: 2, pending: 2, failed: 0 } },
    });
  });

  it('a retried replay gets message ids of its own, so the first run cannot swallow them', async () => {
    pbx.answer(500);
    const { record, secrets } = await integrationFor(repos, pbx.url);
    const queue = capturingQueue();
    const deps = deliveryDeps(repos, secrets, queue);
    await handleDelivery({ ...requestFor(record.id), replay: 2 }, deps);
    expect(queue.sent[0]?.message.messageId).toBe('msg_abs_1_1:replay:2:attempt:2');
  });

  it('knows no unknown integration', async () => {
    const unknown = { kind: 'notFound', reason: 'no such integration' };
    expect(await deliverySummary('nope', repos)).toEqual(unknown);
    expect(await enablePbxEndpoint('nope', { integrations: repos.integrations, now: () => NOW })).toEqual(
      unknown,
    );
  });
});

describe('delivery log storage', () => {
  it('keeps a large snapshot request intact and prunes only old delivered rows', async () => {
    const { record } = await integrationFor(repos, 'https://pbx.example.com/hooks');
    const big = requestFor(record.id, 'abs_big', 1);
    const base = {
      integrationId: record.id,
      type: 'absence.upserted' as const,
      userId: 'user-1',
      attempts: 1,
    };
    // Over one property's 32 Ki characters, so it is spread over several.
    const subject = 'x'.repeat(40_000);
    const request: DeliveryRequest =
      big.event.type === 'absence.upserted'
        ? {
            ...big,
            event: {
              ...big.event,
              data: { ...big.event.data, absence: { ...big.event.data.absence, subject } },
            },
          }
        : big;
    await repos.deliveries.record({
      ...base,
      webhookId: 'failed-big',
      state: 'failed',
      failure: 'exhausted',
      updatedAt: '2026-11-01T00:00:00.000Z',
      request,
    });
    await repos.deliveries.record({
      ...base,
      webhookId: 'old-delivered',
      state: 'delivered',
      updatedAt: '2026-11-01T00:00:00.000Z',
    });
    await repos.deliveries.record({
      ...base,
      webhookId: 'new-delivered',
      state: 'delivered',
      updatedAt: '2026-11-24T00:00:00.000Z',
    });

    expect((await repos.deliveries.listFailed(record.id))[0]?.request).toEqual(request);
    // One integration's partition: exactly its one old delivered row.
    expect(await repos.deliveries.deleteDeliveredBefore(record.id, '2026-11-10T00:00:00.000Z')).toBe(1);
    const left = (await repos.deliveries.listForIntegration(record.id)).map((row) => row.webhookId).sort();
    expect(left).toEqual(['failed-big', 'new-delivered']);
  });
});
