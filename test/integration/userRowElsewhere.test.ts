// A sync works from the user row this instance keeps (shared/storage/userCache.ts).
// When another instance wrote the row meanwhile, the sync's conditional
// write fails on the ETag; the sync then puts its result on the row read
// afresh, keeping what the other instance wrote, instead of failing and
// going round the queue's retries.

import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import type { Repositories } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe('a user row another instance changed', () => {
  const host = useTestHost();
  let elsewhere: Repositories;

  beforeAll(async () => {
    await settle(host);
    const { TABLES_CONNECTION_STRING, TABLE_PREFIX } = host.runtime.config;
    // Another instance: the same tables, no rows kept.
    elsewhere = await createTableRepositories({
      connectionString: TABLES_CONNECTION_STRING ?? '',
      tablePrefix: TABLE_PREFIX,
    });
  });

  it('gets the sync result on top of it, keeping what the other instance wrote', async () => {
    // This instance has just synced Alice, so it keeps her row.
    const slot = hourFromNow(7);
    host.simulator.createEvent(ALICE.id, { subject: 'First', showAs: 'oof', ...slot });
    await settle(host);
    const before = await elsewhere.users.get(DEMO_INTEGRATION_ID, ALICE.id);
    if (!before) throw new Error('Alice has no row');
    // The other instance's write: an operator's edit and a sync of its own that committed later rows.
    const theirMark = (before.value.versionedTo ?? 0) + 600_000;
    await elsewhere.users.update(
      { ...before.value, displayName: 'Renamed elsewhere', versionedTo: theirMark },
      before.etag,
    );
    const retriesBefore = host.queue.stats('sync').scheduled;

    const later = hourFromNow(9);
    const second = host.simulator.createEvent(ALICE.id, { subject: 'Second', showAs: 'oof', ...later });
    await settle(host);

    const after = (await elsewhere.users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value;
    expect(after?.displayName).toBe('Renamed elsewhere');
    expect(after?.status).toBe('ok');
    expect(after?.versionedTo).toBe(theirMark);
    // This sync's cursor went on the row: it is not the one the other instance left there.
    expect(after?.deltaLink).not.toBe(before.value.deltaLink);
    expect(host.queue.stats('sync').scheduled).toBe(retriesBefore);
    expect(host.sink!.state().has(absenceIdFor(second.id))).toBe(true);
  });
});
