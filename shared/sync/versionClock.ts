// The clock a user's versions are taken from: every absence, snapshot and
// status sent for a user carries a version from it, so a PBX can order them.

import type { KnownAbsence } from '../domain/absenceDiff';
import type { UserRecord } from '../storage/records';

/**
 * The clock new versions are taken from, and the floor of a snapshot an
 * operator asks for (shared/delivery/snapshotOnDemand.ts). A PBX drops a
 * change older than the user's last snapshot (docs/pbx-webhooks.md,
 * "Ordering"); a sync's snapshot was at most the clock of that sync
 * (`lastSyncAt`, `versionedTo`) or a stored version, and an operator's is
 * recorded (`snapshotVersion`), as is the last status's (`statusVersion`,
 * which a status tick takes without a sync), so a version dated above all of
 * them outranks every snapshot and status sent before even when this
 * instance's clock is behind the one that sent it.
 */
export function versionClock(now: Date, user: UserRecord, known: readonly KnownAbsence[]): number {
  const lastSync = user.lastSyncAt ? Date.parse(user.lastSyncAt) + 1 : 0;
  const marks = [user.versionedTo, user.snapshotVersion, user.statusVersion].map((mark) =>
    mark === undefined ? 0 : mark + 1,
  );
  return known.reduce(
    (clock, absence) => Math.max(clock, absence.version + 1),
    Math.max(now.getTime(), lastSync, ...marks),
  );
}
