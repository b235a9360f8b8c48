import type { AbsenceDraft } from '../../shared/domain/absence';
import { diffAbsences, type KnownAbsence, nextVersion } from '../../shared/domain/absenceDiff';

const draft = (id: string, start = '2026-12-01T10:00:00.000Z'): AbsenceDraft => ({
  id,
  eventId: `event-${id}`,
  start,
  end: '2026-12-01T11:00:00.000Z',
  reason: { code: 'BUSY', name: 'Busy' },
  callHandling: 'information',
});
const known = (d: AbsenceDraft, version: number, deleted = false): KnownAbsence => ({
  ...d,
  version,
  deleted,
});

describe('absence diff', () => {
  const now = 1_000;

  it('sends nothing when the PBX already has exactly the drafts', () => {
    const changes = diffAbsences([known(draft('a'), 5)], [draft('a')], { kind: 'full' }, now);
    expect(changes).toEqual({ upserted: [], deleted: [] });
  });

  it('upserts a changed absence with a higher version', () => {
    const changes = diffAbsences(
      [known(draft('a'), 5_000)],
      [draft('a', '2026-12-01T09:00:00.000Z')],
      { kind: 'full' },
      now,
    );
    expect(changes.upserted).toHaveLength(1);
    expect(changes.upserted[0]?.version).toBe(5_001);
  });

  it('in a full round deletes live absences without a draft, and leaves tombstones alone', () => {
    const changes = diffAbsences(
      [known(draft('a'), 3), known(draft('b'), 4, true)],
      [],
      { kind: 'full' },
      now,
    );
    expect(changes.deleted.map((a) => a.id)).toEqual(['a']);
    expect(changes.deleted[0]?.version).toBe(now);
  });

  it('in a partial round deletes only absences of reported events', () => {
    const stored = [known(draft('a'), 3), known(draft('b'), 3)];
    const changes = diffAbsences(
      stored,
      [],
      { kind: 'partial', reportedEventIds: new Set(['event-b']) },
      now,
    );
    expect(changes.deleted.map((a) => a.id)).toEqual(['b']);
  });

  it('revives a tombstone with a version above the deletion', () => {
    const changes = diffAbsences([known(draft('a'), 7_000, true)], [draft('a')], { kind: 'full' }, now);
    expect(changes.upserted[0]?.version).toBe(7_001);
  });

  it('never lets a version go down, even if the clock does', () => {
    expect(nextVersion(10, 5)).toBe(11);
    expect(nextVersion(undefined, 5)).toBe(5);
    expect(nextVersion(undefined, 0)).toBe(1);
  });
});
