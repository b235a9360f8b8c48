import type { Absence } from '../domain/absence';
import type { AbsenceChanges } from '../domain/absenceDiff';
import { type DeliveryRequest, PBX_SCHEMA_VERSION, type PbxAbsence, type PbxUser } from '../pbx/pbxEvent';
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

/** The delivery queue deduplicates by webhook id: a rerun of the same sync cannot send a change twice. */
export function deliveryMessage(request: DeliveryRequest): OutgoingMessage<DeliveryRequest> {
  return {
    body: request,
    messageId: request.webhookId,
    applicationProperties: { type: request.event.type, integrationId: request.integrationId },
  };
}
