// An Exchange Server integration on the local host: the sync reads the
// mailbox over EWS (the real ews-javascript-api against the EWS simulator)
// and everything after the read is the pipeline Graph integrations use,
// ending at the PBX sink, which verifies each webhook's signature.

import { DEMO_CONTROL_PATH } from '../../dev/ewsSimulator/ewsDemoControl';
import { EWS_PATH } from '../../dev/ewsSimulator/ewsSimulator';
import { DEMO_EXCHANGE, DEMO_EXCHANGE_INTEGRATION_ID } from '../../dev/localHost/demoExchange';
import { syncWindowFor } from '../../shared/domain/syncWindow';
import type { AbsenceRecord } from '../../shared/storage/records';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { settle, useTestHost } from '../support/localHostHarness';

const ERIK = DEMO_EXCHANGE.mailboxes[0]!.address;
const ERIK_ID = ERIK.toLowerCase();

function hourFromNow(hours: number): { start: string; end: string } {
  const start = new Date(Date.now() + hours * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() };
}

describe('an Exchange Server integration syncs over EWS', () => {
  const host = useTestHost({ exchangeServerDemo: true });
  const absences = () =>
    host.sink!.received.filter((webhook) => webhook.event.data.user.id === ERIK_ID).map((w) => w.event);

  /** What a push notification will do: ask for the user's sync. */
  async function syncErik(): Promise<void> {
    const now = new Date();
    await host.queue.send('sync', [
      syncMessageAt(
        { integrationId: DEMO_EXCHANGE_INTEGRATION_ID, userId: ERIK_ID, cause: 'notification' },
        now,
        now,
      ),
    ]);
    await settle(host);
  }

  beforeAll(async () => {
    await settle(host);
  });

  it('gives each mailbox a first snapshot, read in impersonation mode', () => {
    const users = host.sink!.snapshots.map((webhook) => webhook.event.data.user.id);
    expect(users).toEqual(
      expect.arrayContaining(DEMO_EXCHANGE.mailboxes.map((m) => m.address.toLowerCase())),
    );
    const reads = host.ews.requests.filter((request) => request.operation === 'FindItem');
    expect(reads.length).toBeGreaterThanOrEqual(DEMO_EXCHANGE.mailboxes.length);
    expect(reads.every((read) => read.impersonated !== undefined)).toBe(true);
  });

  it('turns a Busy item into a verified absence.upserted, and keeps a private one to itself', async () => {
    const slot = hourFromNow(2);
    host.ews.calendars.add(ERIK, { subject: 'Customer visit', freeBusy: 'Busy', ...slot });
    const secret = hourFromNow(5);
    host.ews.calendars.add(ERIK, {
      subject: 'Therapy appointment',
      freeBusy: 'OOF',
      sensitivity: 'Private',
      ...secret,
    });
    await syncErik();
    // The demo rules skip private entries (privateEvents: 'skip'): only the Busy item reaches the PBX.
    const upserted = absences().filter((event) => event.type === 'absence.upserted');
    expect(upserted.map((event) => event.type === 'absence.upserted' && event.data.absence.start)).toEqual([
      slot.start,
    ]);
    // A resumed EWS read sends the changes, not another snapshot.
    expect(host.sink!.snapshots.filter((webhook) => webhook.event.data.user.id === ERIK_ID)).toHaveLength(1);
    expect(JSON.stringify(host.sink!.received)).not.toContain('Therapy');
    expect(host.logs.join('\n')).not.toContain('Therapy');
  });

  it('reads an item saved through the simulator’s demo route by Exchange’s push alone, signed in with NTLM', async () => {
    const slot = hourFromNow(30);
    const answer = await fetch(host.ews.url.replace(EWS_PATH, DEMO_CONTROL_PATH), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mailbox: ERIK, subject: 'Site visit', freeBusy: 'Busy', ...slot }),
    });
    expect(answer.status).toBe(201);
    await host.ews.push.idle();
    await settle(host);
    expect(
      absences().some(
        (event) => event.type === 'absence.upserted' && event.data.absence.start === slot.start,
      ),
    ).toBe(true);
    const reads = host.ews.requests.filter(
      (r) => r.operation === 'FindItem' && r.account === DEMO_EXCHANGE.userName,
    );
    expect(new Set(reads.map((r) => r.authentication))).toEqual(new Set(['ntlm']));
    const refused = await fetch(host.ews.url.replace(EWS_PATH, DEMO_CONTROL_PATH), {
      method: 'POST',
      body: JSON.stringify({ mailbox: ERIK, start: slot.end, end: slot.start }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ path: 'end' });
  });

  it('puts a sync that Exchange throttles back on the queue for the back-off instead of waiting', async () => {
    host.ews.serverBusyNext(1, 4_000);
    const before = host.ews.requests.length;
    const now = new Date();
    await host.queue.send('sync', [
      syncMessageAt(
        { integrationId: DEMO_EXCHANGE_INTEGRATION_ID, userId: ERIK_ID, cause: 'notification' },
        now,
        now,
      ),
    ]);
    await host.queue.idle({ includeScheduled: false });
    const scheduled = host.queue.scheduledMessages('sync');
    expect(scheduled.map((message) => message.applicationProperties.cause)).toContain('throttled');
    const at = Math.max(...scheduled.map((message) => message.dueAt.getTime()));
    expect(at - now.getTime()).toBeGreaterThanOrEqual(3_500);
    // Nothing was read yet (the simulator records answered requests); the rescheduled sync reads once.
    expect(host.ews.requests.length).toBe(before);
    await settle(host);
    expect(host.ews.requests.length).toBe(before + 1);
  });

  it('marks the integration when Exchange refuses the password, stops calling, and recovers with a new one', async () => {
    host.ews.directory.addAccount({
      userName: DEMO_EXCHANGE.userName,
      password: 'changed-by-the-admin',
      impersonation: true,
    });
    await syncErik();
    const marked = (await host.runtime.repos.integrations.get(DEMO_EXCHANGE_INTEGRATION_ID, { fresh: true }))!
      .value;
    expect(marked.consentState).toBe('consentRequired');
    expect(marked.consentError).toMatch(/^credentialsRejected/);
    expect(host.logs.join('\n')).not.toContain(DEMO_EXCHANGE.password);

    const before = host.ews.requests.length;
    await syncErik();
    expect(host.ews.requests.length).toBe(before);

    // What the operator's password change does (the management API's part is tested with it).
    await host.runtime.secrets.set(marked.exchangeServer!.passwordSecretName, 'changed-by-the-admin');
    await host.runtime.repos.integrations.update({
      ...marked,
      exchangeServer: { ...marked.exchangeServer!, passwordSetAt: new Date().toISOString() },
      consentState: 'granted',
      consentError: undefined,
      consentRequiredSince: undefined,
    });
    const slot = hourFromNow(8);
    host.ews.calendars.add(ERIK, { subject: 'After the fix', freeBusy: 'Busy', ...slot });
    await syncErik();
    expect(
      absences().some(
        (event) => event.type === 'absence.upserted' && event.data.absence.start === slot.start,
      ),
    ).toBe(true);
  });
  it('has the maintenance run roll an Exchange user’s window and purge its absences past retention', async () => {
    const now = Date.now();
    const day = 24 * 3_600_000;
    const erik = (await host.runtime.repos.users.get(DEMO_EXCHANGE_INTEGRATION_ID, ERIK_ID, { fresh: true }))!
      .value;
    // Synced a minute ago, but over a window that stopped covering today's days ahead.
    const stale = syncWindowFor(new Date(now - 3 * day), 14);
    await host.runtime.repos.users.upsert({
      ...erik,
      window: stale,
      lastSyncAt: new Date(now - 60_000).toISOString(),
    });
    const ended = (id: string, daysAgo: number): AbsenceRecord => ({
      id,
      eventId: `ews-${id}`,
      integrationId: DEMO_EXCHANGE_INTEGRATION_ID,
      userId: ERIK_ID,
      start: new Date(now - daysAgo * day - 3_600_000).toISOString(),
      end: new Date(now - daysAgo * day).toISOString(),
      reason: { code: 'busy', name: 'Busy' },
      callHandling: 'information',
      version: 1,
      deleted: false,
      updatedAt: new Date(now).toISOString(),
    });
    await host.runtime.repos.absences.upsertMany([ended('ews-old', 31), ended('ews-young', 29)]);
    const reads = () =>
      host.ews.requests.filter((r) => r.operation === 'FindItem' && r.mailbox?.toLowerCase() === ERIK_ID)
        .length;
    const before = reads();
    await host.runTimer('maintenance');
    await settle(host);
    expect(reads()).toBe(before + 1);
    const rolled = (await host.runtime.repos.users.get(DEMO_EXCHANGE_INTEGRATION_ID, ERIK_ID, {
      fresh: true,
    }))!.value;
    expect(rolled.window).toEqual(syncWindowFor(new Date(), 14));
    const kept = (await host.runtime.repos.absences.listForUser(DEMO_EXCHANGE_INTEGRATION_ID, ERIK_ID)).map(
      (a) => a.id,
    );
    expect(kept).toContain('ews-young');
    expect(kept).not.toContain('ews-old');
  });
});
