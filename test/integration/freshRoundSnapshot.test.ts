// A round that read the whole calendar (a user's first sync, an expired delta
// token) tells the PBX with one `user.snapshot` and nothing else: the
// snapshot replaces what the PBX holds for the user, so per-absence webhooks
// beside it would only repeat it, at one queue message and one PBX call each.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import type { PbxSink } from '../../dev/pbxSink';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { managementClient } from '../admin/managementClient';
import { graphAs, settle, useTestHost } from '../support/localHostHarness';

const USER = {
  id: '00000000-0000-4000-8000-00000000f001',
  mail: 'snapshot.user@contoso.example',
};
const LATER_USER = {
  id: '00000000-0000-4000-8000-00000000f002',
  mail: 'replayed.user@contoso.example',
};

/** What the PBX shows for the user, as start/end pairs, in order. */
function shownFor(sink: PbxSink, email: string): string[] {
  return [...sink.state().values()]
    .filter((absence) => absence.userEmail === email)
    .map((absence) => `${absence.start}/${absence.end}`)
    .sort();
}

describe('a fresh round sends one user.snapshot', () => {
  const host = useTestHost();
  const calendar = new Map<string, string>();
  const sentToUser = (sink: PbxSink) => ({
    changes: sink.received.filter((w) => w.event.data.user.id === USER.id).length,
    snapshots: sink.snapshots.filter((w) => w.event.data.user.id === USER.id),
  });

  beforeAll(() => settle(host));

  /** A mailbox with `count` hour-long entries, five hours apart; answers what the PBX should show. */
  const mailboxWith = (user: typeof USER, count: number): Map<string, string> => {
    host.simulator.addUser(DEMO_TENANT.id, {
      id: user.id,
      userPrincipalName: user.mail,
      mail: user.mail,
      displayName: user.mail,
    });
    const entries = new Map<string, string>();
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
    for (let i = 0; i < count; i++) {
      const start = new Date(base + i * 5 * 3_600_000);
      const end = new Date(start.getTime() + 3_600_000);
      const event = host.simulator.createEvent(user.id, {
        subject: `Busy ${i}`,
        showAs: i % 2 === 0 ? 'busy' : 'oof',
        start: { dateTime: start.toISOString().replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: end.toISOString().replace('Z', ''), timeZone: 'UTC' },
      });
      entries.set(event.id, `${start.toISOString()}/${end.toISOString()}`);
    }
    return entries;
  };

  it('carries all 20 absences of a first sync in one webhook and one delivery message', async () => {
    for (const [eventId, shown] of mailboxWith(USER, 20)) calendar.set(eventId, shown);
    const deliveriesBefore = host.queue.stats('deliveries').completed;

    const added = await addUser(DEMO_INTEGRATION_ID, USER.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);

    const sent = sentToUser(host.sink!);
    expect(sent.changes).toBe(0);
    expect(sent.snapshots).toHaveLength(1);
    expect(sent.snapshots[0]!.event.data.absences).toHaveLength(20);
    expect(host.queue.stats('deliveries').completed - deliveriesBefore).toBe(1);
    expect(shownFor(host.sink!, USER.mail)).toEqual([...calendar.values()].sort());
  });

  it('after an expired delta token, one snapshot also removes the absences gone meanwhile', async () => {
    const graph = await graphAs(host);
    const before = sentToUser(host.sink!);
    // With leading-edge syncs, a notification for the first delete would sync
    // at once on a still-valid token; the deletes are therefore made unheard,
    // and only the last change (after the expiry) notifies.
    host.simulator.faults.dropNotificationFraction(1);
    const gone = [...calendar.keys()].slice(0, 3);
    for (const eventId of gone) {
      await graph.call('DELETE', `/users/${USER.mail}/events/${eventId}`);
      calendar.delete(eventId);
    }
    // The notification for the next change finds the token expired: the sync reads the calendar afresh.
    host.simulator.faults.expireDeltaTokens(USER.id);
    host.simulator.faults.dropNotificationFraction(0);
    const later = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 200 * 3_600_000);
    const laterEnd = new Date(later.getTime() + 1_800_000);
    await graph.call('POST', `/users/${USER.mail}/events`, {
      subject: 'Later',
      showAs: 'busy',
      start: { dateTime: later.toISOString().replace('Z', ''), timeZone: 'UTC' },
      end: { dateTime: laterEnd.toISOString().replace('Z', ''), timeZone: 'UTC' },
    });
    calendar.set('later', `${later.toISOString()}/${laterEnd.toISOString()}`);
    await settle(host);

    const after = sentToUser(host.sink!);
    expect(after.changes).toBe(before.changes);
    const fresh = after.snapshots.slice(before.snapshots.length);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.event.data.absences).toHaveLength(18);
    expect(shownFor(host.sink!, USER.mail)).toEqual([...calendar.values()].sort());
    const user = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, USER.id);
    expect(user?.value.status).toBe('ok');
  });

  it('a first-sync snapshot the PBX refused is logged as failed and a replay brings the PBX level', async () => {
    const expected = mailboxWith(LATER_USER, 5);
    host.sink!.setBehaviour({ failFraction: 1, failWith: { status: 422 } });
    const added = await addUser(DEMO_INTEGRATION_ID, LATER_USER.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);
    expect(shownFor(host.sink!, LATER_USER.mail)).toEqual([]);
    const log = await host.runtime.repos.deliveries.listForIntegration(DEMO_INTEGRATION_ID);
    const failed = log.filter((row) => row.state === 'failed');
    expect(failed.map((row) => row.webhookId)).toEqual([expect.stringMatching(/^snap_/)]);

    host.sink!.setBehaviour({ failFraction: 0 });
    const replay = await managementClient(host)(
      'POST',
      `manage/integrations/${DEMO_INTEGRATION_ID}/deliveries/replay`,
    );
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ replayed: [failed[0]!.webhookId] });
    await settle(host);
    expect(shownFor(host.sink!, LATER_USER.mail)).toEqual([...expected.values()].sort());
  });
});
