// The walking skeleton over HTTP: a calendar change in the Graph simulator
// reaches the PBX sink as a signed webhook, through the notification
// function, the sync queue, the delta round, the rules and the delivery queue.

import { Webhook } from 'standardwebhooks';
import type { PbxEvent } from '../../shared/pbx/pbxEvent';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe('a Graph change notification becomes a signed PBX webhook', () => {
  const host = useTestHost();
  let graph: Awaited<ReturnType<typeof graphAs>>;
  const events = () => host.sink!.received.map((w) => w.event);
  const last = (): PbxEvent => events()[events().length - 1]!;

  beforeAll(async () => {
    graph = await graphAs(host);
    await settle(host);
  });

  let eventId = '';
  let firstVersion = 0;

  it('creates: a Busy event yields absence.upserted', async () => {
    const slot = hourFromNow(2);
    const created = await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Customer meeting',
      showAs: 'busy',
      start: slot.start,
      end: slot.end,
    });
    eventId = String(created.id);
    await settle(host);
    expect(events()).toHaveLength(1);
    const event = last();
    expect(event.type).toBe('absence.upserted');
    if (event.type !== 'absence.upserted') return;
    expect(event.data.user.email).toBe(ALICE.mail);
    expect(event.data.absence).toMatchObject({
      start: slot.startIso,
      end: slot.endIso,
      reason: { code: 'busy' },
      callHandling: 'information',
    });
    // Subjects are off by default ("all meetings private").
    expect(event.data.absence.subject).toBeUndefined();
    firstVersion = event.data.absence.version;
  });

  it('updates: a new time yields absence.upserted with a higher version', async () => {
    const slot = hourFromNow(3);
    await graph.call('PATCH', `/users/${ALICE.mail}/events/${eventId}`, { start: slot.start, end: slot.end });
    await settle(host);
    expect(events()).toHaveLength(2);
    const event = last();
    expect(event.type).toBe('absence.upserted');
    if (event.type !== 'absence.upserted') return;
    expect(event.data.absence.start).toBe(slot.startIso);
    expect(event.data.absence.version).toBeGreaterThan(firstVersion);
  });

  it('deletes: absence.deleted', async () => {
    await graph.call('DELETE', `/users/${ALICE.mail}/events/${eventId}`);
    await settle(host);
    expect(events()).toHaveLength(3);
    expect(last().type).toBe('absence.deleted');
    expect(host.sink!.state().size).toBe(0);
  });

  it('a private event sends nothing, and its subject appears nowhere in the logs', async () => {
    const slot = hourFromNow(4);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Very private doctor visit',
      showAs: 'busy',
      sensitivity: 'private',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    expect(events()).toHaveLength(3);
    expect(host.logs.join('\n')).not.toContain('Very private doctor visit');
  });

  it('the same notification delivered twice sends no second webhook', async () => {
    const slot = hourFromNow(5);
    await graph.call('POST', `/users/${ALICE.mail}/events`, { subject: 'Busy', showAs: 'busy', ...slot });
    await settle(host);
    expect(events()).toHaveLength(4);
    const delivered = host.simulator.notifications();
    const original = delivered[delivered.length - 1]!;
    const again = await fetch(original.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(original.payload),
    });
    expect(again.status).toBe(202);
    await settle(host);
    expect(events()).toHaveLength(4);
  });

  it('every webhook passed the standardwebhooks verifier in the sink, which does refuse forgeries', async () => {
    expect(host.sink!.received.length).toBeGreaterThanOrEqual(4);
    expect(host.sink!.rejected).toBe(0);
    const body = JSON.stringify(host.sink!.received[0]!.event);
    const forger = new Webhook(Buffer.from('not-the-shared-secret-at-all!').toString('base64'));
    const headers = {
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    };
    const forged = await fetch(host.sink!.url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'webhook-signature': forger.sign('msg_forged', new Date(), body),
      },
      body,
    });
    expect(forged.status).toBe(401);
    expect(host.sink!.rejected).toBe(1);
  });
});
