// What one calendar change costs in Table Storage, end to end: from Graph's
// notification to the webhook the PBX sink verified. Every request is counted
// by a pass-through proxy in front of Azurite (dev/bench/tableRequestCounter.ts),
// so an entity batch is one request and a paged query one per page.

import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { type LocalHost, startLocalHost } from '../../dev/localHost/localHost';
import { ALICE, hourFromNow, settle } from '../support/localHostHarness';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

describe('Table requests per calendar change', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;

  beforeAll(async () => {
    tables = await countTableRequests(testTablesConnectionString());
    host = await startLocalHost({
      port: 0,
      simulatorPort: 0,
      tablesConnectionString: tables.connectionString,
      tablePrefix: uniqueTablePrefix(),
      coalesceSeconds: 0.2,
      // No maintenance run in the middle of a count.
      timerIntervalMs: 3_600_000,
      log: () => undefined,
    });
    await settle(host);
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  it('costs at most 8 requests for one moved event, none of them a read of the integration or of a row just written', async () => {
    const slot = hourFromNow(30);
    const created = host.simulator.createEvent(ALICE.id, { subject: 'Away', showAs: 'oof', ...slot });
    await settle(host);
    await waitForDeliveryLog();
    const received = host.sink?.received.length ?? 0;
    tables.reset();
    const later = hourFromNow(32);
    host.simulator.updateEvent(ALICE.id, created.id, { start: later.start, end: later.end });
    await settle(host);
    expect((host.sink?.received.length ?? 0) - received).toBe(1);
    // The delivered row is written by itself within the batch delay: wait for it, without reading.
    const until = Date.now() + 5000;
    while (tables.count(/\$batch/) < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const requests = tables
      .requests()
      .map((request) =>
        request.replace(/\/[a-z0-9]+?(Users|Absences|PbxSlots|Deliveries|Integrations|Subscriptions)/, '/$1'),
      );
    // The sync: the user row and the user's absences read, the reconcile mark,
    // the absences in one transaction, the result; the delivery: a PBX slot
    // taken and freed, the delivered row (in a transaction of the instance's
    // delivered rows, alone here). The integration row comes from the cache.
    expect(requests.map((request) => request.replace(/\(.*$|\?.*$/, ''))).toEqual([
      'GET /devstoreaccount1/Users',
      'GET /devstoreaccount1/Absences',
      'PUT /devstoreaccount1/Users',
      'POST /devstoreaccount1/$batch',
      'PUT /devstoreaccount1/Users',
      'POST /devstoreaccount1/PbxSlots',
      'DELETE /devstoreaccount1/PbxSlots',
      'POST /devstoreaccount1/$batch',
    ]);
  });

  /** A read through the runtime's log writes what it gathered first. */
  async function waitForDeliveryLog(): Promise<void> {
    expect(
      (await host.runtime.repos.deliveries.listForIntegration(DEMO_INTEGRATION_ID)).length,
    ).toBeGreaterThan(0);
  }
});
