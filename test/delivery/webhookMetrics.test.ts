// What one delivery attempt records for Azure Monitor, through the delivery
// service with real HTTP (a scripted test PBX) and real tables: the attempt's
// outcome per PBX answer, and the time from the notification to the PBX's 2xx.

import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../../shared/pbx/retrySchedule';
import type { Repositories } from '../../shared/storage/repositories';
import { METRIC_NAMES } from '../../shared/telemetry/openTelemetryMetrics';
import { createTestRepositories } from '../support/tables';
import { createTestMeter, pointsOf, total } from '../support/testMeter';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, NOW, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});
const pbx = useTestPbx();
const meter = createTestMeter();
beforeEach(() => meter.read());

async function deliver(extra: Partial<DeliveryRequest> = {}) {
  const { record, secrets } = await integrationFor(repos, pbx.url);
  const request: DeliveryRequest = { ...requestFor(record.id), ...extra };
  const result = await handleDelivery(
    request,
    deliveryDeps(repos, secrets, capturingQueue(), { metrics: meter.metrics }),
  );
  return { result, points: await meter.read() };
}

describe('delivery metrics', () => {
  it.each([
    [204, {}, 'delivered'],
    [503, {}, 'retry'],
    [400, {}, 'failed'],
    [410, {}, 'gone'],
    [500, { attempt: DEFAULT_RETRY_SCHEDULE_SECONDS.length }, 'failed'],
  ] as const)('a PBX answering %i (%o) counts one attempt as %s', async (status, extra, outcome) => {
    pbx.answer(status);
    const { points } = await deliver(extra);
    expect(pointsOf(points, METRIC_NAMES.webhooks)).toEqual([
      expect.objectContaining({ attributes: { outcome }, value: 1 }),
    ]);
  });

  it('times a webhook from its notification to the 2xx on the service clock, retries included', async () => {
    pbx.answer(200);
    const notifiedAt = new Date(NOW.getTime() - 4_250).toISOString();
    const { points } = await deliver({ notifiedAt, attempt: 2 });
    expect(pointsOf(points, METRIC_NAMES.notificationToWebhook)).toEqual([
      expect.objectContaining({
        attributes: { type: 'absence.upserted' },
        value: 1,
        histogram: { sum: 4_250, min: 4_250, max: 4_250 },
      }),
    ]);
  });

  it('does not time an attempt that failed, one without a notification, or a replay', async () => {
    pbx.answer(503);
    const notifiedAt = new Date(NOW.getTime() - 1_000).toISOString();
    expect(pointsOf((await deliver({ notifiedAt })).points, METRIC_NAMES.notificationToWebhook)).toEqual([]);
    pbx.answer(204);
    expect(pointsOf((await deliver()).points, METRIC_NAMES.notificationToWebhook)).toEqual([]);
    const replayed = await deliver({ notifiedAt, replay: 1 });
    expect(pointsOf(replayed.points, METRIC_NAMES.notificationToWebhook)).toEqual([]);
    expect(total(replayed.points, METRIC_NAMES.webhooks, { outcome: 'delivered' })).toBe(1);
  });
});
