import { startPbxSink } from '../../dev/pbxSink';
import type { KnownAbsence } from '../../shared/domain/absenceDiff';
import type { PbxAbsence, UserSnapshot } from '../../shared/pbx/pbxEvent';
import { pbxEventSchema } from '../../shared/pbx/pbxEventSchema';
import { generateSigningSecret } from '../../shared/pbx/signing';
import { deliverWebhook } from '../../shared/pbx/webhookPost';
import { freshRoundWebhooks, MAX_SNAPSHOT_BYTES, snapshotRequest } from '../../shared/sync/absenceWebhooks';
import { ALICE, deleted, deliveryOf, upserted } from './sampleEvents';

const now = new Date('2026-11-25T08:00:00.000Z');

function known(id: string, version: number, isDeleted = false): KnownAbsence {
  return {
    id,
    eventId: `event-${id}`,
    version,
    start: '2026-11-26T12:00:00.000Z',
    end: '2026-11-26T13:00:00.000Z',
    reason: { code: 'busy', name: 'Busy' },
    callHandling: 'information',
    deleted: isDeleted,
  };
}

describe('user.snapshot', () => {
  it('lists the live absences after the changes, with a version above everything it reflects', () => {
    const request = snapshotRequest(
      'integration-1',
      ALICE,
      [known('kept', 5), known('gone', 6), known('tomb', 9_000, true)],
      { upserted: [{ ...known('new', 7), seriesMasterId: 'series-1' }], deleted: [known('gone', 8)] },
      now,
      1,
    );
    const event = pbxEventSchema.parse(request.event);
    if (event.type !== 'user.snapshot') throw new Error('not a snapshot');
    expect(event.data.absences.map((a) => [a.id, a.version, a.seriesId])).toEqual([
      ['kept', 5, undefined],
      ['new', 7, 'series-1'],
    ]);
    // The tombstone's version counts too: the snapshot supersedes that deletion.
    expect(event.data.version).toBe(9_000);
    expect(request.webhookId).toBe(`snap_${ALICE.id}_${now.getTime()}`);
    expect(
      snapshotRequest('i', ALICE, [], { upserted: [], deleted: [] }, now, now.getTime()).event,
    ).toMatchObject({
      data: { version: now.getTime(), absences: [] },
    });
  });

  it('is all a fresh round sends, unless it would outgrow one queue message', () => {
    const changes = { upserted: [known('new', 7)], deleted: [known('gone', 8)] };
    const small = freshRoundWebhooks(
      'integration-1',
      ALICE,
      [known('kept', 5), known('gone', 6)],
      changes,
      now,
    );
    expect(small.kind).toBe('snapshot');
    expect(small.requests.map((r) => r.event.type)).toEqual(['user.snapshot']);
    expect(small.requests[0]!.event).toMatchObject({ data: { absences: [{ id: 'kept' }, { id: 'new' }] } });

    // So many stored absences that their snapshot exceeds the limit: each change goes on its own.
    const busy = Array.from({ length: 2000 }, (_, i) => ({
      ...known(`kept-${i}`, 5),
      subject: 'x'.repeat(40),
    }));
    const large = freshRoundWebhooks('integration-1', ALICE, busy, changes, now);
    if (large.kind !== 'changes') throw new Error('expected the per-change fallback');
    expect(large.snapshotBytes).toBeGreaterThan(MAX_SNAPSHOT_BYTES);
    expect(large.requests.map((r) => [r.event.type, r.webhookId])).toEqual([
      ['absence.upserted', 'msg_new_7'],
      ['absence.deleted', 'msg_gone_8'],
    ]);
  });

  it('a PBX applying it removes older absences missing from it and keeps newer ones', async () => {
    const secret = generateSigningSecret();
    const sink = await startPbxSink({ secret });
    const send = (request: Parameters<typeof deliverWebhook>[0]) =>
      deliverWebhook(
        request,
        { url: sink.url, secrets: [secret] },
        { timeoutMs: 2000, allowInsecureLoopback: true },
      );
    try {
      await send(deliveryOf(upserted('stale', 10)));
      await send(deliveryOf(upserted('newer', 30)));
      await send(deliveryOf(upserted('listed', 10)));
      const listed: PbxAbsence = { ...upserted('listed', 15).data.absence, end: '2026-11-25T14:00:00.000Z' };
      const snapshot: UserSnapshot = {
        type: 'user.snapshot',
        schemaVersion: 1,
        timestamp: now.toISOString(),
        integrationId: 'integration-1',
        data: { user: ALICE, version: 20, absences: [listed] },
      };
      expect(
        await send({ webhookId: 'snap-1', integrationId: 'integration-1', event: snapshot }),
      ).toMatchObject({
        kind: 'delivered',
      });
      const state = sink.state();
      expect([...state.keys()].sort()).toEqual(['listed', 'newer']);
      expect(state.get('listed')).toMatchObject({ version: 15, end: '2026-11-25T14:00:00.000Z' });
      expect(sink.snapshots.map((w) => w.webhookId)).toEqual(['snap-1']);

      // A late, older upsert of the removed absence does not bring it back; a newer one does.
      await send(deliveryOf(upserted('stale', 12), 'late-stale'));
      expect(sink.state().has('stale')).toBe(false);
      await send(deliveryOf(upserted('stale', 21), 'new-stale'));
      expect(sink.state().has('stale')).toBe(true);
      // Nor does one of an absence the PBX never held (its upsert was still being retried when the
      // snapshot came): the snapshot's version is the user's floor. Newer ones still count.
      await send(deliveryOf(upserted('unseen', 12), 'late-unseen'));
      expect(sink.state().has('unseen')).toBe(false);
      await send(deliveryOf(upserted('unseen', 22), 'new-unseen'));
      expect(sink.state().has('unseen')).toBe(true);
      // An older snapshot arriving late changes nothing.
      const older: UserSnapshot = { ...snapshot, data: { ...snapshot.data, version: 19, absences: [] } };
      await send({ webhookId: 'snap-0', integrationId: 'integration-1', event: older });
      expect([...sink.state().keys()].sort()).toEqual(['listed', 'newer', 'stale', 'unseen']);
      await send(deliveryOf(deleted('newer', 31)));
      expect(sink.state().has('newer')).toBe(false);
    } finally {
      await sink.stop();
    }
  });
});
