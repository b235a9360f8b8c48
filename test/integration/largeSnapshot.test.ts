// A snapshot of a very busy calendar can outgrow one Service Bus message
// (256 KB on Standard). It must not turn the user's every sync into a failure;
// the fresh round then sends each change on its own instead.

import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

describe('a calendar too busy for one snapshot message', () => {
  const host = useTestHost();

  beforeAll(() => settle(host));

  it('sends each change instead of the snapshot, with a warning, and still syncs', async () => {
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const count = 1200;
    const eventIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const start = new Date(base + (i % 300) * 3_600_000 + Math.floor(i / 300) * 600_000);
      const end = new Date(start.getTime() + 300_000);
      const event = host.simulator.createEvent(ALICE.id, {
        subject: 'Busy',
        showAs: 'busy',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
      eventIds.push(event.id);
    }
    await settle(host);
    expect(host.sink!.state().size).toBe(count);

    // A fresh round (expired token) would send a snapshot, which is now too big.
    for (const eventId of eventIds.slice(0, 2)) host.simulator.deleteEvent(ALICE.id, eventId);
    host.simulator.faults.expireDeltaTokens(ALICE.id);
    const changesBefore = host.sink!.received.length;
    const snapshotsBefore = host.sink!.snapshots.length;
    const now = host.runtime.now();
    await host.queue.send('sync', [
      syncMessageAt({ integrationId: DEMO_INTEGRATION_ID, userId: ALICE.id, cause: 'resync' }, now, now),
    ]);
    await settle(host);
    expect(host.logs.join('\n')).toContain('snapshot too large');
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
    const user = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id);
    expect(user?.value.status).toBe('ok');
    expect(host.sink!.snapshots.length).toBe(snapshotsBefore);
    expect(host.sink!.received.slice(changesBefore).map((w) => w.event.type)).toEqual([
      'absence.deleted',
      'absence.deleted',
    ]);
    expect(host.sink!.state().size).toBe(count - 2);
    // 1,200 signed webhooks through the local PBX: about 20 s on an idle 2-core machine, so the
    // default 30 s is too close for a loaded one. The test measures nothing; it needs room.
  }, 90_000);
});
