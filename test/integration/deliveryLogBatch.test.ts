// Delivered webhooks' log rows gathered per instance and written in
// entity-group transactions, on real Table Storage (Azurite) with every
// request counted at a pass-through proxy in front of it.

import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { batchedDeliveryLog } from '../../shared/storage/deliveryLogBatch';
import type { DeliveryLogRecord } from '../../shared/storage/records';
import type { DeliveryLogRepository } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const BATCHES = /\$batch/;

function delivered(integrationId: string, n: number): DeliveryLogRecord {
  return {
    integrationId,
    webhookId: `msg_abs_${n}_1`,
    type: 'absence.upserted',
    userId: 'user-1',
    state: 'delivered',
    attempts: 1,
    lastStatus: 204,
    updatedAt: '2026-11-25T08:00:00.000Z',
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('not within time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the batched delivery log', () => {
  let counter: TableRequestCounter;
  let table: DeliveryLogRepository;
  /** The same tables, read around the proxy so looking does not count. */
  let raw: DeliveryLogRepository;
  let failures: number[];
  let seq = 0;
  let integrationId: string;

  beforeAll(async () => {
    counter = await countTableRequests(testTablesConnectionString());
    const tablePrefix = uniqueTablePrefix();
    table = (await createTableRepositories({ connectionString: counter.connectionString, tablePrefix }))
      .deliveries;
    raw = (await createTableRepositories({ connectionString: testTablesConnectionString(), tablePrefix }))
      .deliveries;
  });
  afterAll(async () => {
    await counter?.stop();
  });
  beforeEach(() => {
    failures = [];
    integrationId = `batch${++seq}`;
    counter.refuse();
    counter.reset();
  });

  const batched = (delayMs = 60_000) =>
    batchedDeliveryLog(table, { delayMs, onWriteFailed: (_error, rows) => failures.push(rows) });

  it('writes the rows of one integration in one transaction per 100, one per integration', async () => {
    const log = batched();
    for (let n = 0; n < 30; n++) await log.recordSoon(delivered(integrationId, n));
    for (let n = 0; n < 5; n++) await log.recordSoon(delivered(`${integrationId}b`, n));
    expect(counter.count()).toBe(0);
    await log.flush();
    expect(counter.requests()).toEqual(['POST /devstoreaccount1/$batch', 'POST /devstoreaccount1/$batch']);
    expect(await raw.listForIntegration(integrationId)).toHaveLength(30);
    expect(await raw.listForIntegration(`${integrationId}b`)).toHaveLength(5);
  });

  it('gives PBX slots back in the same transaction as the delivered rows, and resolves once written', async () => {
    const tablePrefix = uniqueTablePrefix();
    const counted = await createTableRepositories({
      connectionString: counter.connectionString,
      tablePrefix,
    });
    const direct = await createTableRepositories({
      connectionString: testTablesConnectionString(),
      tablePrefix,
    });
    const lease = new Date(Date.now() + 60_000).toISOString();
    for (const slot of [0, 1])
      await direct.pbxSlots.create({ integrationId, slot, webhookId: 'w', leaseUntil: lease });
    counter.reset();
    const log = batchedDeliveryLog(counted.deliveries, {
      delayMs: 50,
      onWriteFailed: (_error, rows) => failures.push(rows),
    });
    await log.recordSoon(delivered(integrationId, 1));
    await log.recordSoon(delivered(integrationId, 2));
    let released = false;
    const release = log.releaseSlotSoon({ integrationId, slot: 0 }).then(() => {
      released = true;
    });
    expect(released).toBe(false);
    await release;
    expect(counter.requests()).toEqual(['POST /devstoreaccount1/$batch']);
    expect((await direct.pbxSlots.list(integrationId)).map((row) => row.value.slot)).toEqual([1]);
    // The slot rows share the partition, but the log shows only deliveries.
    expect(await direct.deliveries.listForIntegration(integrationId)).toHaveLength(2);

    // A slot row already gone (its lease passed and another instance took it and gave it back)
    // fails its transaction; the rows are written all the same.
    await direct.pbxSlots.release(integrationId, 1, (await direct.pbxSlots.list(integrationId))[0]!.etag);
    await log.recordSoon(delivered(integrationId, 3));
    await log.releaseSlotSoon({ integrationId, slot: 1 });
    expect(await direct.deliveries.listForIntegration(integrationId)).toHaveLength(3);
    expect(failures).toEqual([]);
  });

  it('writes a full transaction at once, and the rest after the delay by itself', async () => {
    const log = batched(100);
    for (let n = 0; n < 100; n++) await log.recordSoon(delivered(integrationId, n));
    expect(counter.count(BATCHES)).toBe(1);
    await log.recordSoon(delivered(integrationId, 100));
    expect(counter.count(BATCHES)).toBe(1);
    await eventually(async () => (await raw.listForIntegration(integrationId)).length === 101);
    expect(counter.count(BATCHES)).toBe(2);
  });

  it('lets a read through it see what it gathered', async () => {
    const log = batched();
    await log.recordSoon(delivered(integrationId, 1));
    expect(await log.get(integrationId, 'msg_abs_1_1')).toMatchObject({ state: 'delivered' });
    await log.recordSoon(delivered(integrationId, 2));
    expect(await log.listForIntegration(integrationId)).toHaveLength(2);
  });

  it('lets a row written at once win over one of the same webhook still gathered', async () => {
    const log = batched();
    await log.recordSoon(delivered(integrationId, 1));
    await log.record({ ...delivered(integrationId, 1), state: 'failed', failure: 'rejected' });
    await log.flush();
    expect(await raw.get(integrationId, 'msg_abs_1_1')).toMatchObject({ state: 'failed' });
  });

  it('reports a write Table Storage refused instead of throwing', async () => {
    const log = batched();
    await log.recordSoon(delivered(integrationId, 1));
    await log.recordSoon(delivered(integrationId, 2));
    // 403 as Azure answers a request it refuses; the SDK does not retry it.
    counter.refuse(403);
    await expect(log.flush()).resolves.toBeUndefined();
    counter.refuse();
    expect(failures).toEqual([2]);
    expect(await raw.listForIntegration(integrationId)).toEqual([]);
  });
});
