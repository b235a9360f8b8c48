// A sync that finds changes writes the user row once, after its webhooks are
// queued: the row's `versionedTo` is the commit mark (userSync.ts,
// `unsentRows`), so no mark is written before the absences are saved. The
// write is conditional on the etag of the row the sync started from.

import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe("a sync's writes of the user row", () => {
  const host = useTestHost();
  beforeAll(async () => {
    await settle(host);
  });

  it('writes the row once per sync, with no mark before the absences are saved', async () => {
    const users = host.runtime.repos.users;
    const absences = host.runtime.repos.absences;
    const original = { update: users.update, upsertMany: absences.upsertMany };
    const calls: string[] = [];
    users.update = async (record, etag) => {
      if (record.id === ALICE.id) calls.push(record.reconcilePending ? 'mark' : 'result');
      return original.update.call(users, record, etag);
    };
    absences.upsertMany = async (rows) => {
      if (rows.some((row) => row.userId === ALICE.id)) calls.push('absences');
      return original.upsertMany.call(absences, rows);
    };
    try {
      const before = (await users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value.versionedTo ?? 0;
      host.simulator.createEvent(ALICE.id, { subject: 'Away', showAs: 'oof', ...hourFromNow(5) });
      await settle(host);
      expect(calls).toContain('absences');
      expect(calls).not.toContain('mark');
      // The absences are saved, then the one write of the result commits them.
      expect(calls[calls.indexOf('absences') + 1]).toBe('result');
      const after = (await users.get(DEMO_INTEGRATION_ID, ALICE.id))?.value;
      expect(after?.reconcilePending).toBeUndefined();
      const saved = await absences.listForUser(DEMO_INTEGRATION_ID, ALICE.id);
      expect(after?.versionedTo).toBeGreaterThan(before);
      expect(Math.max(...saved.map((row) => row.version))).toBeLessThanOrEqual(after?.versionedTo ?? 0);
    } finally {
      Object.assign(users, { update: original.update });
      Object.assign(absences, { upsertMany: original.upsertMany });
    }
  });
});
