import { startPbxSink } from '../../dev/pbxSink';
import type { KnownAbsence } from '../../shared/domain/absenceDiff';
import type { PbxAbsence, UserSnapshot } from '../../shared/pbx/pbxEvent';
import { pbxEventSchema } from '../../shared/pbx/pbxEventSchema';
import { generateSigningSecret } from '../../shared/pbx/signing';
import { deliverWebhook } from '../../shared/pbx/webhookPost';
import { snapshotRequest } from '../../shared/sync/absenceWebhooks';
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
      await send(deliveryOf(deleted('newer', 31)));
      expect(sink.state().has('newer')).toBe(false);
    } finally {
      await sink.stop();
    }
  });
});
