// Deleting or deactivating an integration first tells its PBX (issue 17, item 6):
// the PBX ends with no absence and, when the rules send statuses, every user
// available; only then is the integration removed or left inactive. Real
// parts: the local host on Azurite, the Graph simulator and the PBX sink.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { advanceEnding, newEnding } from '../../shared/management/integrationEnding';
import { updateIntegration } from '../../shared/management/integrations';
import { managementClient } from '../admin/managementClient';
import type { TestHost } from '../support/localHostHarness';
import { settle, useTestHost } from '../support/localHostHarness';

const integrationPath = `manage/integrations/${DEMO_INTEGRATION_ID}`;
const [ALICE, BOB] = DEMO_USERS;
const graphTime = (at: Date) => ({ dateTime: at.toISOString().replace('Z', ''), timeZone: 'UTC' });

/** An out-of-office hour `hoursAhead` from the host's clock in the user's calendar. */
function absenceFor(host: TestHost, userId: string, hoursAhead: number, subject = 'Away'): string {
  const start = new Date(host.simulator.clock.now().getTime() + hoursAhead * 3_600_000);
  return host.simulator.createEvent(userId, {
    subject,
    showAs: 'oof',
    start: graphTime(start),
    end: graphTime(new Date(start.getTime() + 3_600_000)),
  }).id;
}

/** The demo integration with two users holding absences at the PBX, and statuses sent. */
async function twoUsersWithAbsences(host: TestHost): Promise<void> {
  await settle(host);
  const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true });
  if (!stored) throw new Error('no demo integration');
  const { ruleSet } = stored.value;
  await host.runtime.repos.integrations.update(
    { ...stored.value, ruleSet: { ...ruleSet, status: { ...ruleSet.status, send: true } } },
    stored.etag,
  );
  absenceFor(host, ALICE.id, 3);
  absenceFor(host, ALICE.id, 30);
  absenceFor(host, BOB.id, 5);
  await settle(host);
  expect(host.sink!.state().size).toBe(3);
}

function expectPbxToldEveryoneIsFree(host: TestHost): void {
  expect([...host.sink!.state().values()]).toEqual([]);
  for (const user of DEMO_USERS) expect(host.sink!.statusOf(user.id)?.current.status).toBe('available');
}

interface Ending {
  active: boolean;
  ending?: { kind: string; since: string; deadline: string };
}

describe('deleting an integration', () => {
  const host = useTestHost();
  const manage = (method: string, path = integrationPath, body?: unknown) =>
    managementClient(host)(method, path, body === undefined ? {} : { body });

  beforeAll(() => twoUsersWithAbsences(host));

  it('tells the PBX every user has no absence and is available, then removes the integration', async () => {
    const answer = await manage('DELETE');
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ active: false, ending: { kind: 'delete' } });
    expect(((await manage('GET')).json as Ending).ending?.kind).toBe('delete');

    await settle(host);
    expectPbxToldEveryoneIsFree(host);
    // Each user's last snapshot is above everything the PBX held for them.
    for (const user of DEMO_USERS) {
      const last = host.sink!.snapshots.filter((s) => s.event.data.user.id === user.id).at(-1);
      expect(last?.event.data.absences).toEqual([]);
    }
    // Still there: the removal waits for the maintenance run to see the deliveries settled.
    expect((await manage('GET')).status).toBe(200);

    await host.runTimer('maintenance');
    expect((await manage('GET')).status).toBe(404);
    expect(await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)).toEqual([]);
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, ALICE.id)).toEqual([]);
    // The Graph subscriptions went with the users, as before.
    expect(host.simulator.listSubscriptions()).toEqual([]);
    expect((await manage('DELETE')).status).toBe(404);
  });
});

describe('deactivating an integration', () => {
  const host = useTestHost();
  const manage = (method: string, path = integrationPath, body?: unknown) =>
    managementClient(host)(method, path, body === undefined ? {} : { body });
  let lateEvent = '';

  beforeAll(() => twoUsersWithAbsences(host));

  it('tells the PBX first, skips syncs meanwhile and leaves the integration inactive', async () => {
    const answer = await manage('PATCH', integrationPath, { active: false });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ active: false, ending: { kind: 'deactivate' } });
    // An integration being deactivated can still be changed; only one being deleted refuses.
    expect((await manage('PATCH', integrationPath, { name: 'Leaving' })).status).toBe(200);

    // A change in a calendar meanwhile is not read: the integration's syncs are skipped.
    lateEvent = absenceFor(host, ALICE.id, 8, 'Late');
    await settle(host);
    const stored = await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, ALICE.id);
    expect(stored.map((row) => row.eventId)).not.toContain(lateEvent);
    expectPbxToldEveryoneIsFree(host);

    await host.runTimer('maintenance');
    const after = (await manage('GET')).json as Ending;
    expect(after.active).toBe(false);
    expect(after.ending).toBeUndefined();
    expect(await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)).toHaveLength(
      DEMO_USERS.length,
    );
    // An operator's snapshot would send the stored absences again: refused while inactive.
    const snapshot = await manage('POST', `${integrationPath}/users/${ALICE.id}/snapshot`);
    expect(snapshot.status).toBe(409);
    await settle(host);
    expect([...host.sink!.state().values()]).toEqual([]);
  });

  it('activated again, every user is read afresh and the PBX holds their absences again', async () => {
    const answer = await manage('PATCH', integrationPath, { active: true });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ active: true });
    await settle(host);
    const held = [...host.sink!.state().values()];
    expect(held).toHaveLength(4);
    expect(held.filter((absence) => absence.userEmail === ALICE.mail)).toHaveLength(3);
  });
});

describe('an ending whose PBX is down', () => {
  const host = useTestHost({ settings: { PBX_RETRY_SCHEDULE_SECONDS: '0,0.2,6' } });
  const manage = (method: string, path = integrationPath, body?: unknown) =>
    managementClient(host)(method, path, body === undefined ? {} : { body });

  beforeAll(() => twoUsersWithAbsences(host));

  it('retries the deliveries and removes the integration only once they got through', async () => {
    host.sink!.setBehaviour({ down: true });
    const dropped = host.sink!.dropped;
    // A deactivation under way becomes the deletion, keeping its snapshots and its deadline.
    const deactivating = (await manage('PATCH', integrationPath, { active: false })).json as Ending;
    const deleting = await manage('DELETE');
    expect(deleting.status).toBe(202);
    expect((deleting.json as Ending).ending).toEqual({ ...deactivating.ending, kind: 'delete' });
    expect((await manage('DELETE')).status).toBe(202);
    expect((await manage('PATCH', integrationPath, { active: true })).status).toBe(409);
    // Two attempts per user fail; the third is seconds away.
    await host.sink!.waitFor((sink) => sink.dropped >= dropped + 2 * DEMO_USERS.length, 10_000);
    await host.runTimer('maintenance');
    expect(((await manage('GET')).json as Ending).ending?.kind).toBe('delete');
    expect(host.sink!.state().size).toBe(3);

    host.sink!.setBehaviour({ down: false });
    await settle(host);
    expectPbxToldEveryoneIsFree(host);
    await host.runTimer('maintenance');
    expect((await manage('GET')).status).toBe(404);
  });
});

describe('an ending past its deadline', () => {
  const host = useTestHost({ settings: { PBX_RETRY_SCHEDULE_SECONDS: '0,0.2,6' } });
  const manage = (method: string, body?: unknown) =>
    managementClient(host)(method, integrationPath, body === undefined ? {} : { body });

  beforeAll(() => twoUsersWithAbsences(host));

  it('finishes although the PBX never answered', async () => {
    host.sink!.setBehaviour({ down: true });
    const dropped = host.sink!.dropped;
    const answer = await manage('PATCH', { active: false });
    const deadline = Date.parse((answer.json as Ending).ending?.deadline ?? '');
    // The retry schedule, stretched by its jitter, and a day.
    const since = Date.parse((answer.json as Ending).ending?.since ?? '');
    expect(deadline - since).toBe(Math.ceil(6.2 * 1.2 * 1000) + 24 * 3_600_000);
    await host.sink!.waitFor((sink) => sink.dropped >= dropped + 2 * DEMO_USERS.length, 10_000);
    await host.runTimer('maintenance');
    expect(((await manage('GET')).json as Ending).ending?.kind).toBe('deactivate');

    host.simulator.clock.advance(deadline - host.simulator.clock.now().getTime() + 1);
    await host.runTimer('maintenance');
    expect(((await manage('GET')).json as Ending).ending).toBeUndefined();
    // The day the clock jumped let every retry come due while the PBX was down: the last
    // snapshots failed for good, and what the PBX was never told stays there.
    await settle(host);
    expect(host.sink!.state().size).toBe(3);
    const log = await host.runtime.repos.deliveries.listForIntegration(DEMO_INTEGRATION_ID);
    const last = log.filter((row) => row.type === 'user.snapshot' && row.state !== 'delivered');
    expect(last.map((row) => row.state)).toEqual(DEMO_USERS.map(() => 'failed'));
    host.sink!.setBehaviour({ down: false });
  });
});

describe('an ending in steps', () => {
  const host = useTestHost();
  const admin = () => host.runtime.management(silentLogger).admin;
  /** Users whose last snapshot (the one their row records) has reached the PBX. */
  const lastSnapshotsSent = async () => {
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    const recorded = new Set(users.flatMap((user) => user.endingSnapshot?.webhookId ?? []));
    return new Set(
      host.sink!.snapshots.filter((s) => recorded.has(s.webhookId)).map((s) => s.event.data.user.id),
    );
  };

  beforeAll(async () => {
    await twoUsersWithAbsences(host);
    // Marked as the API marks it, so each step below is the service's own.
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true });
    if (!stored) throw new Error('no demo integration');
    const ending = newEnding('deactivate', host.simulator.clock.now(), {});
    await host.runtime.repos.integrations.update({ ...stored.value, active: false, ending }, stored.etag);
  });

  it('marks no more users than a step may, and the maintenance run marks the rest', async () => {
    const first = await advanceEnding(DEMO_INTEGRATION_ID, admin(), { newSnapshots: 1 });
    expect(first).toMatchObject({ kind: 'waiting', users: DEMO_USERS.length, queued: 1 });
    await settle(host);
    expect((await lastSnapshotsSent()).size).toBe(1);

    // A crash between marking users and queuing their snapshots: nothing reaches the queue.
    const lost = await advanceEnding(
      DEMO_INTEGRATION_ID,
      { ...admin(), queue: { send: async () => undefined } },
      { newSnapshots: 1 },
    );
    expect(lost).toMatchObject({ kind: 'waiting', settled: 1, queued: 1 });
    await settle(host);
    expect((await lastSnapshotsSent()).size).toBe(1);

    // The run marks the last user; the lost one is not queued again yet (it may still be on its way).
    await host.runTimer('maintenance');
    await settle(host);
    expect((await lastSnapshotsSent()).size).toBe(2);
    expect(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value.ending,
    ).toBeDefined();

    // Ten minutes on without a trace in the delivery log: queued again.
    host.simulator.clock.advance(11 * 60_000);
    await host.runTimer('maintenance');
    await settle(host);
    expect((await lastSnapshotsSent()).size).toBe(DEMO_USERS.length);
    expectPbxToldEveryoneIsFree(host);
    await host.runTimer('maintenance');
    const after = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value;
    expect(after).toMatchObject({ active: false });
    expect(after?.ending).toBeUndefined();
  });

  it('sends nothing when the integration is activated again while a step marks its users', async () => {
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true });
    if (!stored) throw new Error('no demo integration');
    const ending = newEnding('deactivate', host.simulator.clock.now(), {});
    await host.runtime.repos.integrations.update({ ...stored.value, ending }, stored.etag);
    const deps = admin();
    let reactivated = false;
    const users = deps.repos.users;
    // The operator's PATCH lands right after the step marked its first user.
    const racing = {
      ...deps,
      repos: {
        ...deps.repos,
        users: {
          ...users,
          update: async (...args: Parameters<typeof users.update>) => {
            const etag = await users.update(...args);
            if (!reactivated) {
              reactivated = true;
              expect((await updateIntegration(DEMO_INTEGRATION_ID, { active: true }, deps)).kind).toBe('ok');
            }
            return etag;
          },
        },
      },
    };
    expect(await advanceEnding(DEMO_INTEGRATION_ID, racing)).toEqual({ kind: 'notEnding' });
    await settle(host);
    expect(await lastSnapshotsSent()).toEqual(new Set());
    expect(host.sink!.state().size).toBe(3);
  });
});
