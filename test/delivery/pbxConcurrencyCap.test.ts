// The cap on calls in flight to one PBX, across workers: four workers, each
// with its own Table clients (as four instances would have) on the same
// Azurite tables, and its own in-memory permits, take deliveries from one
// queue and post to a slow test PBX that records how many requests it had in
// flight at once.

import { createInProcessQueue, type InProcessQueue } from '../../dev/localHost/inProcessQueue';
import {
  type DeliveryDeps,
  type DeliveryResult,
  deliveryAttemptMessage,
  handleDelivery,
} from '../../shared/delivery/deliveryAttempt';
import { type LocalPermits, localPermits } from '../../shared/delivery/localPermits';
import { type ParkedSlots, parkedSlots } from '../../shared/delivery/parkedSlots';
import {
  defaultPbxSlotPolicy,
  type IdleSlot,
  type PbxSlotDeps,
  takePbxSlot,
} from '../../shared/delivery/pbxSlots';
import { deliveryRequestSchema } from '../../shared/pbx/pbxEventSchema';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories, uniqueTablePrefix } from '../support/tables';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, requestFor } from './deliveryFixtures';

const CAP = 4;
const WORKERS = 4;
/** host.json's maxConcurrentCalls: what each worker would take at once without the cap. */
const CALLS_PER_WORKER = 16;

const pbx = useTestPbx();
const otherPbx = useTestPbx();

let workers: Repositories[];
beforeAll(async () => {
  const prefix = uniqueTablePrefix();
  workers = await Promise.all([...Array(WORKERS).keys()].map(() => createTestRepositories(prefix)));
});

/** Short deferrals, so the test does not wait the production 1-30 s between looks. */
function slotsOf(
  repos: Repositories,
  overrides: Partial<PbxSlotDeps['policy']> = {},
  local: LocalPermits = localPermits(),
  parked?: ParkedSlots<IdleSlot>,
): PbxSlotDeps {
  return {
    slots: repos.pbxSlots,
    local,
    ...(parked ? { parked } : {}),
    policy: { ...defaultPbxSlotPolicy(CAP, 2000), deferDelayMs: () => 20 + Math.random() * 80, ...overrides },
    clock: () => new Date(),
  };
}

function workerDeps(
  repos: Repositories,
  instance: { local: LocalPermits; parked: ParkedSlots<IdleSlot> },
  secrets: DeliveryDeps['secrets'],
  queue: InProcessQueue,
) {
  // The queue schedules on the real clock, so the service clock must be real too.
  return deliveryDeps(repos, secrets, queue, {
    pbxSlots: slotsOf(repos, {}, instance.local, instance.parked),
    now: () => new Date(),
  });
}

interface Run {
  queue: InProcessQueue;
  /** Each worker's slots kept between calls, as each instance keeps its own. */
  parked: Array<ParkedSlots<IdleSlot>>;
  results: Array<{ webhookId: string; attempt: number; result: DeliveryResult }>;
}

/** One queue, its deliveries handed round-robin to the workers, 16 at a time per worker. */
function runWorkers(secretsFor: (integrationId: string) => DeliveryDeps['secrets']): Run {
  const queue = createInProcessQueue();
  const results: Run['results'] = [];
  // Permits and parked slots live as long as the instance: one set per worker for the whole run.
  const instances = workers.map(() => ({ local: localPermits(), parked: parkedSlots<IdleSlot>() }));
  let next = 0;
  queue.subscribe(
    'deliveries',
    async (body) => {
      const request = deliveryRequestSchema.parse(body);
      const index = next++ % WORKERS;
      const result = await handleDelivery(
        request,
        workerDeps(
          workers[index] as Repositories,
          instances[index] as (typeof instances)[number],
          secretsFor(request.integrationId),
          queue,
        ),
      );
      results.push({ webhookId: request.webhookId, attempt: request.attempt ?? 1, result });
    },
    { maxConcurrency: WORKERS * CALLS_PER_WORKER },
  );
  return { queue, results, parked: instances.map((instance) => instance.parked) };
}

async function queueWebhooks(queue: InProcessQueue, integrationId: string, count: number, tag: string) {
  const messages = [...Array(count).keys()].map((i) =>
    deliveryAttemptMessage(requestFor(integrationId, `${tag}_${i}`), 1, new Date()),
  );
  await queue.send('deliveries', messages);
  return messages.map((message) => (message.body as { webhookId: string }).webhookId);
}

function countsById(ids: readonly unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(String(id), (counts.get(String(id)) ?? 0) + 1);
  return counts;
}

describe('per-integration cap on concurrent PBX calls', () => {
  it('four workers never have more than the cap in flight at one PBX, and each webhook goes out once', async () => {
    const { record, secrets } = await integrationFor(workers[0] as Repositories, pbx.url);
    pbx.answer(204, { delayMs: 150 });
    const { queue, results, parked } = runWorkers(() => secrets);
    try {
      const ids = await queueWebhooks(queue, record.id, 40, 'burst');
      await queue.idle({ includeScheduled: true });

      expect(pbx.maxInFlight).toBeLessThanOrEqual(CAP);
      // The cap is used, not just respected.
      expect(pbx.maxInFlight).toBeGreaterThan(1);
      const sent = countsById(pbx.requests.map((request) => request.headers['webhook-id']));
      expect([...sent.keys()].sort()).toEqual([...ids].sort());
      expect([...sent.values()].every((n) => n === 1)).toBe(true);

      // Handed back, not failed: the webhook id and the attempt number stay as they were.
      expect(results.some(({ result }) => result.kind === 'deferred')).toBe(true);
      expect(results.every(({ attempt }) => attempt === 1)).toBe(true);
      const delivered = results.filter(({ result }) => result.kind === 'delivered');
      expect(delivered.map(({ webhookId }) => webhookId).sort()).toEqual([...ids].sort());
      expect(queue.deadLetters('deliveries')).toEqual([]);
      // Every slot is free again once the workers give back the ones they kept for a next call.
      await Promise.all(parked.map((slots) => slots.freeAll()));
      expect(await (workers[1] as Repositories).pbxSlots.list(record.id)).toEqual([]);
    } finally {
      queue.close();
    }
  });

  it('a second integration is not held up by the first one filling its slots', async () => {
    const slow = await integrationFor(workers[0] as Repositories, pbx.url);
    const quick = await integrationFor(workers[0] as Repositories, otherPbx.url);
    pbx.answer(204, { delayMs: 1000 });
    otherPbx.answer(204);
    const { queue } = runWorkers((id) => (id === slow.record.id ? slow.secrets : quick.secrets));
    try {
      await queueWebhooks(queue, slow.record.id, 8, 'slow');
      // Wait until the slow PBX holds its cap, so the second integration arrives behind a full first one.
      await until(() => pbx.requests.length >= CAP);
      const quickIds = await queueWebhooks(queue, quick.record.id, 4, 'quick');
      await until(() => otherPbx.requests.length >= quickIds.length);

      // Still in the slow PBX's first round: nothing of the second integration waited for it.
      expect(pbx.requests.length).toBe(CAP);
      expect(otherPbx.requests.map((request) => request.headers['webhook-id']).sort()).toEqual(
        [...quickIds].sort(),
      );
      expect(otherPbx.maxInFlight).toBeLessThanOrEqual(CAP);
      await queue.idle({ includeScheduled: true });
      expect(pbx.requests.length).toBe(8);
    } finally {
      queue.close();
    }
  });

  it("takes over a crashed worker's slot once its lease has passed", async () => {
    const { record, secrets } = await integrationFor(workers[0] as Repositories, pbx.url);
    // Long enough for the three looks below (one try each, no pauses) even on a loaded machine.
    const leaseMs = 1500;
    // A worker that took every slot and died before releasing any.
    const crashed = slotsOf(workers[0] as Repositories, { leaseMs });
    for (let i = 0; i < CAP; i++) {
      expect(await takePbxSlot(record.id, `crashed_${i}`, crashed)).toMatchObject({ kind: 'taken' });
    }
    pbx.answer(204);
    const queue = capturingQueue();
    const survivor = workers[1] as Repositories;
    const deps = deliveryDeps(survivor, secrets, queue, {
      pbxSlots: slotsOf(survivor, { leaseMs, tries: 1 }),
    });
    const request = requestFor(record.id, 'after_crash');

    const whileHeld = await handleDelivery(request, deps);
    expect(whileHeld).toMatchObject({ kind: 'deferred', attempt: 1, inFlight: CAP });
    expect(pbx.requests).toHaveLength(0);
    // The same attempt comes back under a new message id (a reused id would be dropped as a duplicate).
    const [handedBack] = queue.sent;
    expect(handedBack?.message.messageId).toBe(`${request.webhookId}:attempt:1:w1`);
    expect(handedBack?.message.body).toEqual({ ...request, attempt: 1, deferred: 1 });
    // The queue delivering the same message again builds the same id, which Service Bus drops.
    await handleDelivery(request, deps);
    expect(queue.sent.map(({ message }) => message.messageId)).toEqual([
      `${request.webhookId}:attempt:1:w1`,
      `${request.webhookId}:attempt:1:w1`,
    ]);
    // Coming back while the slots are still held counts on.
    const again = await handleDelivery({ ...request, deferred: 1 }, deps);
    expect(again).toMatchObject({ kind: 'deferred', attempt: 1 });
    expect(queue.sent[2]?.message.messageId).toBe(`${request.webhookId}:attempt:1:w2`);

    await new Promise((resolve) => setTimeout(resolve, leaseMs + 50));
    const afterLease = await handleDelivery(request, deps);
    expect(afterLease).toEqual({ kind: 'delivered', status: 204, attempt: 1 });
    expect(pbx.requests.map((seen) => seen.headers['webhook-id'])).toEqual([request.webhookId]);
    // It took one of the crashed slots over and freed it; the other expired rows stay until taken.
    expect(await survivor.pbxSlots.list(record.id)).toHaveLength(CAP - 1);
  });

  it('lets calls starting together on one instance guess different slots: one insert each, no look', async () => {
    const { record } = await integrationFor(workers[0] as Repositories, pbx.url);
    const repos = workers[0] as Repositories;
    const writes: string[] = [];
    const counted: Repositories['pbxSlots'] = {
      ...repos.pbxSlots,
      create: (slot) => {
        writes.push(`create ${slot.slot}`);
        return repos.pbxSlots.create(slot);
      },
      list: (integrationId) => {
        writes.push('list');
        return repos.pbxSlots.list(integrationId);
      },
    };
    // Many rounds: a shared guess among two of four slots comes one time in four without the rule.
    for (let round = 0; round < 12; round++) {
      const instance = { ...slotsOf(repos, {}, localPermits(), parkedSlots<IdleSlot>()), slots: counted };
      writes.length = 0;
      const claims = await Promise.all(
        ['absence', 'status'].map((kind) => takePbxSlot(record.id, `${kind}_${round}`, instance)),
      );
      expect(writes.filter((write) => write === 'list')).toEqual([]);
      expect(writes).toHaveLength(2);
      for (const claim of claims) {
        if (claim.kind === 'taken')
          await repos.pbxSlots.release(record.id, claim.held.record.slot, claim.held.etag);
      }
    }
  });

  it('gives no more than the cap of slots to workers taking them at the same moment', async () => {
    const { record } = await integrationFor(workers[0] as Repositories, pbx.url);
    const claims = await Promise.all(
      [...Array(20).keys()].map((i) =>
        takePbxSlot(record.id, `racer_${i}`, slotsOf(workers[i % WORKERS] as Repositories)),
      ),
    );
    const taken = claims.flatMap((claim) => (claim.kind === 'taken' ? [claim.held.record.slot] : []));
    expect(taken.sort()).toEqual([0, 1, 2, 3]);
    const rows = await (workers[2] as Repositories).pbxSlots.list(record.id);
    expect(rows.map((row) => row.value.slot).sort()).toEqual([0, 1, 2, 3]);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
