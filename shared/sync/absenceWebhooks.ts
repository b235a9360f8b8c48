import { createHash } from 'node:crypto';
import type { Absence } from '../domain/absence';
import type { AbsenceChanges, KnownAbsence } from '../domain/absenceDiff';
import {
  type DeliveryRequest,
  PBX_SCHEMA_VERSION,
  type PbxAbsence,
  type PbxStatus,
  type PbxUser,
} from '../pbx/pbxEvent';
import type { OutgoingMessage } from '../queue/queuePort';

function pbxAbsence(absence: Absence): PbxAbsence {
  return {
    id: absence.id,
    version: absence.version,
    start: absence.start,
    end: absence.end,
    reason: { code: absence.reason.code, name: absence.reason.name },
    callHandling: absence.callHandling,
    ...(absence.seriesMasterId ? { seriesId: absence.seriesMasterId } : {}),
    ...(absence.subject ? { subject: absence.subject } : {}),
  };
}

/** The webhook id names the absence and its version, so every retry of one change carries the same id. */
export function webhookIdFor(absence: Absence): string {
  return `msg_${absence.id}_${absence.version}`;
}

export function deliveryRequestsFor(
  integrationId: string,
  user: PbxUser,
  changes: AbsenceChanges,
  now: Date,
): DeliveryRequest[] {
  const timestamp = now.toISOString();
  const common = { schemaVersion: PBX_SCHEMA_VERSION, timestamp, integrationId } as const;
  return [
    ...changes.upserted.map(
      (absence): DeliveryRequest => ({
        webhookId: webhookIdFor(absence),
        integrationId,
        event: { ...common, type: 'absence.upserted', data: { user, absence: pbxAbsence(absence) } },
      }),
    ),
    ...changes.deleted.map(
      (absence): DeliveryRequest => ({
        webhookId: webhookIdFor(absence),
        integrationId,
        event: {
          ...common,
          type: 'absence.deleted',
          data: {
            user,
            absence: {
              id: absence.id,
              version: absence.version,
              ...(absence.seriesMasterId ? { seriesId: absence.seriesMasterId } : {}),
            },
          },
        },
      }),
    ),
  ];
}

/** The user's live absences once `changes` are applied to `known` (stored rows, tombstones included). */
export function liveAfter(known: readonly KnownAbsence[], changes: AbsenceChanges): Absence[] {
  const live = new Map<string, Absence>();
  for (const row of known) if (!row.deleted) live.set(row.id, row);
  for (const absence of changes.upserted) live.set(absence.id, absence);
  for (const absence of changes.deleted) live.delete(absence.id);
  return [...live.values()];
}

/**
 * Every live absence of a user after `changes` are applied to `known` (the
 * stored rows, tombstones included), and the status they give when the rules
 * send statuses. The snapshot's version is at least every
 * version it reflects, deletions included, and at least `minimumVersion`, so
 * a PBX can tell what the snapshot supersedes (see docs/pbx-webhooks.md).
 *
 * `minimumVersion` is the user's version clock (userSync.ts, `versionClock`),
 * above every version sent before for the user, so the snapshot also clears
 * absences the PBX holds that we no longer know of (from before we knew the
 * user, or rows since purged).
 */
export function snapshotRequest(
  integrationId: string,
  user: PbxUser,
  known: readonly KnownAbsence[],
  changes: AbsenceChanges,
  now: Date,
  minimumVersion: number,
  status?: PbxStatus,
): DeliveryRequest {
  const versions = [...known, ...changes.upserted, ...changes.deleted].map((absence) => absence.version);
  const version = Math.max(minimumVersion, ...versions);
  const absences = liveAfter(known, changes).sort(
    (a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id),
  );
  return {
    webhookId: `snap_${shortUserKey(user.id)}_${now.getTime()}`,
    integrationId,
    event: {
      type: 'user.snapshot',
      schemaVersion: PBX_SCHEMA_VERSION,
      timestamp: now.toISOString(),
      integrationId,
      data: { user, version, absences: absences.map(pbxAbsence), ...(status ? { status } : {}) },
    },
  };
}

/**
 * Service Bus Standard takes messages up to 256 KB, headers and properties
 * included (https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas);
 * the margin leaves room for them and for a retry's extra fields. At roughly
 * 300 bytes an absence this is some 600 absences in one user's sync window.
 */
export const MAX_SNAPSHOT_BYTES = 200 * 1024;

export type FreshRoundWebhooks =
  | { kind: 'snapshot'; requests: [DeliveryRequest] }
  | { kind: 'changes'; requests: DeliveryRequest[]; snapshotBytes: number };

/**
 * What a round that read the whole calendar sends: one `user.snapshot`, which
 * replaces everything the PBX holds for the user (docs/pbx-webhooks.md,
 * "Ordering"), so per-absence webhooks beside it would only repeat it. A
 * snapshot too large for one queue message would fail the sync on every
 * attempt; the round then sends each change on its own instead, which tells
 * the PBX everything we know but cannot clear absences it holds from before
 * we knew the user.
 */
export function freshRoundWebhooks(
  integrationId: string,
  user: PbxUser,
  known: readonly KnownAbsence[],
  changes: AbsenceChanges,
  now: Date,
  minimumVersion = now.getTime(),
  status?: PbxStatus,
): FreshRoundWebhooks {
  const snapshot = snapshotRequest(integrationId, user, known, changes, now, minimumVersion, status);
  const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot));
  if (snapshotBytes <= MAX_SNAPSHOT_BYTES) return { kind: 'snapshot', requests: [snapshot] };
  return { kind: 'changes', requests: deliveryRequestsFor(integrationId, user, changes, now), snapshotBytes };
}

/** Graph user ids are GUIDs; anything longer is hashed so the webhook id stays within queue limits. */
export function shortUserKey(userId: string): string {
  return /^[A-Za-z0-9-]{1,40}$/.test(userId)
    ? userId
    : createHash('sha256').update(userId).digest('base64url').slice(0, 22);
}

/** The delivery queue deduplicates by webhook id: a rerun of the same sync cannot send a change twice. */
export function deliveryMessage(request: DeliveryRequest): OutgoingMessage<DeliveryRequest> {
  return {
    body: request,
    messageId: request.webhookId,
    applicationProperties: { type: request.event.type, integrationId: request.integrationId },
  };
}
