// The integration row cache across instances: a change made on another
// instance (here a second repository on the host's tables) that an operator's
// sync was queued for must not be missed because this instance still holds
// the row it read before.

import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';
import { testTablesConnectionString } from '../support/tables';

describe('a sync an operator asked for after a change on another instance', () => {
  const host = useTestHost();
  beforeAll(async () => {
    await settle(host);
  });

  async function changeRulesElsewhere(): Promise<number> {
    const elsewhere = await createTableRepositories({
      connectionString: testTablesConnectionString(),
      tablePrefix: host.runtime.config.TABLE_PREFIX,
    });
    const row = await elsewhere.integrations.get(DEMO_INTEGRATION_ID);
    if (!row) throw new Error('no demo integration');
    const rulesVersion = row.value.rulesVersion + 1;
    await elsewhere.integrations.update({ ...row.value, rulesVersion }, row.etag);
    return rulesVersion;
  }

  async function syncAlice(cause: 'rulesChanged' | 'catchUp'): Promise<number | undefined> {
    const now = host.runtime.now();
    await host.runtime.queue.send('sync', [
      syncMessageAt({ integrationId: DEMO_INTEGRATION_ID, userId: ALICE.id, cause }, now, now),
    ]);
    await settle(host);
    return (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value.rulesVersion;
  }

  it('syncs on the rules it was queued for, while other syncs may use the cached row for a while', async () => {
    // This instance has the row in its cache from the first syncs.
    const before = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value.rulesVersion;
    const changed = await changeRulesElsewhere();
    expect(changed).toBe((before ?? 0) + 1);
    // Within the TTL a catch-up still runs on the rules the instance read (docs/performance.md says why that is safe).
    expect(await syncAlice('catchUp')).toBe(before);
    expect(await syncAlice('rulesChanged')).toBe(changed);
  });
});
