// What one calendar change costs in Table Storage, end to end: from Graph's
// notification to the webhook the PBX sink verified. Every request is counted
// by a pass-through proxy in front of Azurite (dev/bench/tableRequestCounter.ts),
// so an entity batch is one request and a paged query one per page.

import type { TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import type { LocalHost } from '../../dev/localHost/localHost';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { startCountedHost } from '../support/countedHost';
import { ALICE, hourFromNow, settle } from '../support/localHostHarness';
import { setStatusRules } from '../support/statusRules';

/** Without the test's table prefix. */
const shortened = (request: string) =>
  request.replace(/\/[a-z0-9]+?(Users|Absences|Deliveries|Integrations|Subscriptions)/, '/$1');

describe('Table requests per calendar change', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;

  beforeAll(async () => {
    ({ tables, host } = await startCountedHost());
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  it('costs 5 requests for one moved event, none of them a read of the integration or of a row just written', async () => {
    // The absence events alone: a status, when the rules send one, is a webhook of its own (measured below).
    await setStatusRules(host, DEMO_INTEGRATION_ID, { send: false });
    const slot = hourFromNow(30);
    const created = host.simulator.createEvent(ALICE.id, { subject: 'Away', showAs: 'oof', ...slot });
    await settle(host);
    await waitForDeliveryLog();
    // An isolated change: the first change's coalescing buckets (0.2 s) are over, so the
    // next one is read at once, and the PBX slot its delivery kept for a next call is freed.
    await new Promise((resolve) => setTimeout(resolve, 700));
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
        request.replace(/\/[a-z0-9]+?(Users|Absences|Deliveries|Integrations|Subscriptions)/, '/$1'),
      );
    // The leading sync: the user's absences read, the absences in one
    // transaction, the result on the user row; the delivery: a PBX slot taken
    // (a row inserted in the integration's Deliveries partition), then the
    // delivered row and the slot's delete in one transaction of the instance's
    // delivery log writes (alone here). The follow-up round reports no event and
    // costs nothing: it reads no absences and leaves the row the leading
    // round wrote a moment ago. The integration and user rows come from the
    // instance's cache, and no round marks the user row first.
    expect(requests.map((request) => request.replace(/\(.*$|\?.*$/, '')).sort()).toEqual([
      'GET /devstoreaccount1/Absences',
      'POST /devstoreaccount1/$batch',
      'POST /devstoreaccount1/$batch',
      'POST /devstoreaccount1/Deliveries',
      'PUT /devstoreaccount1/Users',
    ]);
    // The slot is free again: the transaction deleted it.
    expect(await host.runtime.repos.pbxSlots.list(DEMO_INTEGRATION_ID)).toEqual([]);
    await setStatusRules(host, DEMO_INTEGRATION_ID, { send: true });
  });

  it('costs one request more when the move changes the status the PBX is told: the status webhook’s slot', async () => {
    const slot = hourFromNow(50);
    const created = host.simulator.createEvent(ALICE.id, { subject: 'Away', showAs: 'oof', ...slot });
    await settle(host);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const statuses = host.sink?.statuses.length ?? 0;
    tables.reset();
    // Earlier than every other absence of the user: the next state starts sooner.
    const sooner = hourFromNow(3);
    host.simulator.updateEvent(ALICE.id, created.id, { start: sooner.start, end: sooner.end });
    await settle(host);
    expect((host.sink?.statuses.length ?? 0) - statuses).toBe(1);
    await batchesWritten(2);
    const requests = tables.requests().map((request) => shortened(request).replace(/\(.*$|\?.*$/, ''));
    // The sync works the status out from the rows it read anyway and records it with its result;
    // the two webhooks leave together, each takes its own slot (one blind insert each), and both
    // delivered rows with both slot deletes go in one transaction of the delivery log.
    expect(requests.sort()).toEqual([
      'GET /devstoreaccount1/Absences',
      'POST /devstoreaccount1/$batch',
      'POST /devstoreaccount1/$batch',
      'POST /devstoreaccount1/Deliveries',
      'POST /devstoreaccount1/Deliveries',
      'PUT /devstoreaccount1/Users',
    ]);
  });

  it("costs 7 requests besides the PBX slots for a user's first sync of 20 events", async () => {
    const id = '00000000-0000-4000-8000-0000000000f1';
    const address = 'firstsync@contoso.example';
    host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: address, mail: address });
    for (let e = 0; e < 20; e++) {
      const slot = hourFromNow(40 + e);
      host.simulator.createEvent(id, {
        subject: `Event ${e}`,
        showAs: e % 3 === 0 ? 'oof' : 'busy',
        ...slot,
      });
    }
    const received = host.sink?.received.length ?? 0;
    tables.reset();
    const added = await addUser(DEMO_INTEGRATION_ID, address, host.runtime.onboarding(silentLogger));
    expect(added).toMatchObject({ kind: 'added' });
    await settle(host);
    // 20 absences and the snapshot.
    expect((host.sink?.received.length ?? 0) + (host.sink?.snapshots.length ?? 0) - received).toBeGreaterThan(
      0,
    );
    await batchesWritten(2);
    const byTable: Record<string, number> = {};
    for (const request of tables.requests()) {
      const key = shortened(request).replace(/\(.*$|\?.*$/, '');
      // A PBX slot taken is a row inserted into the Deliveries table; the log's own writes are transactions.
      if (key === 'POST /devstoreaccount1/Deliveries') continue;
      byTable[key] = (byTable[key] ?? 0) + 1;
    }
    // Provisioning: the user row read and written, the subscription written with
    // its copy in the integration's partition (the dashboard's keyed read). The
    // sync: the user row from the instance's cache (provisioning wrote it), no
    // absences read (a first sync finds none), the absences in one transaction,
    // the result. The fresh round's one snapshot: its delivered row in one
    // transaction. The PBX slot taken is counted apart; its delete rides in that transaction.
    expect(byTable).toEqual({
      'GET /devstoreaccount1/Users': 1,
      'PUT /devstoreaccount1/Users': 2,
      'PUT /devstoreaccount1/Subscriptions': 2,
      'POST /devstoreaccount1/$batch': 2,
    });
  });

  /** The delivered rows are written by themselves within the batch delay: wait for them without reading. */
  async function batchesWritten(count: number): Promise<void> {
    const until = Date.now() + 5000;
    while (tables.count(/\$batch/) < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** A read through the runtime's log writes what it gathered first. */
  async function waitForDeliveryLog(): Promise<void> {
    expect(
      (await host.runtime.repos.deliveries.listForIntegration(DEMO_INTEGRATION_ID)).length,
    ).toBeGreaterThan(0);
  }
});
