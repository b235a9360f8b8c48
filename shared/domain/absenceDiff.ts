import type { Absence, AbsenceDraft } from './absence';

/** A stored absence: live, or a tombstone that remembers the version at which it was deleted. */
export interface KnownAbsence extends Absence {
  deleted: boolean;
}

/** What one sync must tell the PBX. */
export interface AbsenceChanges {
  upserted: Absence[];
  deleted: Absence[];
}

/**
 * `full`: the drafts are the user's complete picture (a fresh delta round), so
 * every live absence without a draft is gone. `partial`: the drafts cover only
 * the events this round reported; absences of other events stay untouched.
 */
export type DiffScope = { kind: 'full' } | { kind: 'partial'; reportedEventIds: ReadonlySet<string> };

/**
 * Versions come from the clock but always exceed the stored one, so every
 * change the PBX gets is newer than the last one sent for that absence, even
 * when changes come faster than the clock.
 */
export function nextVersion(previous: number | undefined, nowMs: number): number {
  return Math.max((previous ?? 0) + 1, nowMs);
}

export function sameAbsence(a: AbsenceDraft, b: AbsenceDraft): boolean {
  return (
    a.start === b.start &&
    a.end === b.end &&
    a.reason.code === b.reason.code &&
    a.reason.name === b.reason.name &&
    a.callHandling === b.callHandling &&
    a.subject === b.subject &&
    a.seriesMasterId === b.seriesMasterId &&
    a.eventId === b.eventId
  );
}

export function diffAbsences(
  known: readonly KnownAbsence[],
  drafts: readonly AbsenceDraft[],
  scope: DiffScope,
  nowMs: number,
): AbsenceChanges {
  const byId = new Map(known.map((absence) => [absence.id, absence]));
  const wanted = new Map(drafts.map((draft) => [draft.id, draft]));
  const upserted: Absence[] = [];
  const deleted: Absence[] = [];
  for (const draft of wanted.values()) {
    const current = byId.get(draft.id);
    if (current && !current.deleted && sameAbsence(current, draft)) continue;
    upserted.push({ ...draft, version: nextVersion(current?.version, nowMs) });
  }
  for (const current of known) {
    if (current.deleted || wanted.has(current.id)) continue;
    const inScope = scope.kind === 'full' || scope.reportedEventIds.has(current.eventId);
    if (inScope) deleted.push({ ...current, version: nextVersion(current.version, nowMs) });
  }
  return { upserted, deleted };
}
