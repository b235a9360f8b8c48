// A sync that finds changes writes the user row twice (the reconcile mark,
// then the result), the second write conditional on the first. The etag the
// first write answers with is all the second needs: no read in between.

import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe("a sync's writes of the user row", () => {
  const host = useTestHost();
  beforeAll(async () => {
    await settle(host);
  });

  it('reads the row once per sync and chains the etags of its own writes', async () => {
    const users = host.runtime.repos.users;
    const original = { get: users.get, update: users.update };
    const calls: string[] = [];
    const answered = new Set<string>();
    const read = new Set<string>();
    let chained = 0;
    users.get = async (integrationId, userId) => {
      const row = await original.get.call(users, integrationId, userId);
      if (userId === ALICE.id) {
        calls.push('get');
        if (row) read.add(row.etag);
      }
      return row;
    };
    users.update = async (record, etag) => {
      const next = await original.update.call(users, record, etag);
      if (record.id === ALICE.id) {
        calls.push(record.reconcilePending ? 'mark' : 'result');
        if (etag !== undefined && answered.has(etag) && !read.has(etag)) chained++;
        answered.add(next);
      }
      return next;
    };
    try {
      const slot = hourFromNow(5);
      host.simulator.createEvent(ALICE.id, { subject: 'Away', showAs: 'oof', ...slot });
      await settle(host);
    } finally {
      Object.assign(users, original);
    }
    // Every sync ends with one write of its result; each may read the row once before.
    const syncs = calls.filter((c) => c === 'result').length;
    expect(syncs).toBeGreaterThan(0);
    expect(calls.filter((c) => c === 'get')).toHaveLength(syncs);
    // At least the sync that saw the new event marked the row and then wrote it with that mark's etag.
    expect(chained).toBeGreaterThan(0);
    expect((await users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value.reconcilePending).toBeUndefined();
  });
});
