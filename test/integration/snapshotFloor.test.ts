// An operator's snapshot is a floor for the user at the PBX (docs/pbx-webhooks.md,
// "Ordering"), so it must outrank every version sent before for that user,
// also when the service holds nothing for them: a PBX that holds absences at
// a higher version would otherwise keep them.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { deliverWebhook } from '../../shared/pbx/webhookPost';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

const USER = { id: '00000000-0000-4000-8000-00000000e501', mail: 'floor.user@contoso.example' };

const graphTime = (at: Date) => ({ dateTime: at.toISOString().replace('Z', ''), timeZone: 'UTC' });

describe("an operator's snapshot for a user the service holds nothing for", () => {
  const host = useTestHost();
  const call = (path: string) => managementClient(host)('POST', path);
  const heldFor = (email: string) =>
    [...host.sink!.state().values()].filter((absence) => absence.userEmail === email).map((a) => a.id);

  beforeAll(async () => {
    await settle(host);
    host.simulator.addUser(DEMO_TENANT.id, {
      id: USER.id,
      userPrincipalName: USER.mail,
      mail: USER.mail,
      displayName: USER.mail,
    });
    const added = await addUser(DEMO_INTEGRATION_ID, USER.mail, host.runtime.onboarding(silentLogger));
    expect(added.kind).toBe('added');
    await settle(host);
  });

  it('clears what the PBX held at versions above anything stored', async () => {
    // The PBX holds an absence from an earlier life of this user (removed and added again, rows
    // purged): its version came from the clock then, above this user's first sync, and we hold nothing.
    const firstSnapshot = host.sink!.snapshots.filter((w) => w.event.data.user.id === USER.id).at(-1);
    const stale = {
      id: 'abs_from_an_earlier_life',
      version: (firstSnapshot?.event.data.version ?? 0) + 5_000,
      start: '2026-01-01T00:00:00.000Z',
      end: '2099-01-01T00:00:00.000Z',
      reason: { code: 'oof', name: 'Out of office' },
      callHandling: 'diversion' as const,
    };
    const sent = await deliverWebhook(
      {
        webhookId: 'msg_stale',
        integrationId: DEMO_INTEGRATION_ID,
        event: {
          type: 'absence.upserted',
          schemaVersion: 1,
          timestamp: new Date().toISOString(),
          integrationId: DEMO_INTEGRATION_ID,
          data: { user: { id: USER.id, email: USER.mail }, absence: stale },
        },
      },
      { url: host.sink!.url, secrets: [host.pbxSecret] },
      { timeoutMs: 2000, allowInsecureLoopback: true },
    );
    expect(sent.kind).toBe('delivered');
    expect(heldFor(USER.mail)).toEqual([stale.id]);
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, USER.id)).toEqual([]);
    host.simulator.clock.advance(60_000);

    const response = await call(`/manage/integrations/${DEMO_INTEGRATION_ID}/users/${USER.id}/snapshot`);
    expect(response.status).toBe(202);
    const queued = response.json as { webhookId: string; absences: number; version: number };
    expect(queued.absences).toBe(0);
    expect(queued.version).toBeGreaterThan(stale.version);
    await settle(host);

    const snapshot = host.sink!.snapshots.find((w) => w.webhookId === queued.webhookId);
    expect(snapshot?.event.data).toMatchObject({ version: queued.version, absences: [] });
    expect(heldFor(USER.mail)).toEqual([]);
  });

  it('is followed by a fresh read of the calendar, whose snapshot outranks it and shows a new entry', async () => {
    // A sync running beside the operator's snapshot may have taken its versions before it; the
    // fresh read after it carries whatever that sync changed, above the operator's snapshot.
    const start = new Date(host.simulator.clock.now().getTime() + 3 * 3_600_000);
    host.simulator.faults.dropNotificationFraction(1);
    const eventId = host.simulator.createEvent(USER.id, {
      subject: 'Dentist',
      showAs: 'oof',
      start: graphTime(start),
      end: graphTime(new Date(start.getTime() + 3_600_000)),
    }).id;
    host.simulator.faults.dropNotificationFraction(0);
    const response = await call(`/manage/integrations/${DEMO_INTEGRATION_ID}/users/${USER.id}/snapshot`);
    const queued = response.json as { webhookId: string; version: number };
    await settle(host);
    const later = host.sink!.snapshots.filter(
      (w) => w.event.data.user.id === USER.id && w.event.data.version > queued.version,
    );
    expect(later).toHaveLength(1);
    expect(later[0]?.event.data.absences.map((a) => a.id)).toEqual([absenceIdFor(eventId)]);
    expect(heldFor(USER.mail)).toEqual([absenceIdFor(eventId)]);
  });

  it("a sync's own snapshot outranks an operator's taken on an instance whose clock is ahead", async () => {
    // As if the last operator snapshot came from an instance ten seconds ahead of this one.
    const stored = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, USER.id, { fresh: true });
    if (!stored) throw new Error('the user is gone');
    const ahead = host.simulator.clock.now().getTime() + 10_000;
    await host.runtime.repos.users.update({ ...stored.value, snapshotVersion: ahead }, stored.etag);
    const before = host.sink!.snapshots.length;
    host.simulator.faults.expireDeltaTokens(USER.id);
    const response = await managementClient(host)(
      'POST',
      `/manage/integrations/${DEMO_INTEGRATION_ID}/users/${USER.id}/resync`,
    );
    expect(response.status).toBeLessThan(300);
    await settle(host);
    const fresh = host.sink!.snapshots.slice(before).filter((w) => w.event.data.user.id === USER.id);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.event.data.version).toBeGreaterThan(ahead);
  });
});
