// The webhook payload as a receiver checks it: the dev PBX sink uses it, and
// the JSON Schemas in docs/schemas are generated from it, so the documented
// contract and the code cannot drift apart.

import { z } from 'zod';
import { CALL_HANDLING_VALUES } from '../domain/absence';
import { ANNOUNCEMENT_LANGUAGES } from '../domain/announcement';
import { type DeliveryRequest, PBX_SCHEMA_VERSION, type PbxEvent } from './pbxEvent';

const isoInstant = z.iso.datetime({ offset: true }).describe('UTC instant, ISO 8601');
const user = z
  .object({
    id: z.string().min(1).describe('Microsoft 365 user id (object id)'),
    email: z.string().min(1).describe("The user's primary e-mail address"),
  })
  .describe('The user the event is about');
const version = z
  .number()
  .int()
  .positive()
  .describe('Grows with every change; drop anything older than what you hold');
const absenceId = z.string().min(1).describe('Stable id of the absence; never reused for another absence');
const seriesId = z.string().describe('Shared by every absence of one recurring series');

export const pbxAbsenceSchema = z.object({
  id: absenceId,
  version,
  start: isoInstant,
  end: isoInstant,
  reason: z
    .object({ code: z.string().describe('The PBX reason code'), name: z.string() })
    .describe('Why the user is away'),
  callHandling: z
    .enum(CALL_HANDLING_VALUES)
    .describe('information: show in the directory; diversion: divert calls to an absence message'),
  seriesId: seriesId.optional(),
  subject: z.string().optional().describe('Only when the rules allow subjects and the event is not private'),
});

const envelope = {
  schemaVersion: z.literal(PBX_SCHEMA_VERSION),
  timestamp: isoInstant,
  integrationId: z.string().min(1),
};

export const absenceUpsertedSchema = z.object({
  type: z.literal('absence.upserted'),
  ...envelope,
  data: z.object({ user, absence: pbxAbsenceSchema }),
});

export const absenceDeletedSchema = z.object({
  type: z.literal('absence.deleted'),
  ...envelope,
  data: z.object({
    user,
    absence: z.object({ id: absenceId, version, seriesId: seriesId.optional() }),
  }),
});

const reason = z
  .object({ code: z.string().describe('The PBX reason code'), name: z.string() })
  .describe('Why the user is away');
const callHandling = z
  .enum(CALL_HANDLING_VALUES)
  .describe('information: show in the directory; diversion: divert calls to an absence message');

const availableSegment = z.object({
  status: z.literal('available'),
  start: isoInstant.describe('When this stretch starts; for the current one, when the status was worked out'),
  until: isoInstant.nullable().describe('When the user is next away; null when nothing is planned'),
});
const awaySegment = z.object({
  status: z.literal('away'),
  start: isoInstant.describe('When this stretch starts; for the current one, when the status was worked out'),
  until: isoInstant.describe('When this state ends (the user may be away for another reason after it)'),
  returnAt: isoInstant.describe(
    'When the user is next available, following chained and overlapping absences and, if the rules say so, working hours',
  ),
  reason,
  callHandling,
  absenceIds: z.array(absenceId).describe('The absences that decide this state'),
  returnUnknown: z
    .literal(true)
    .optional()
    .describe(
      'Set when returnAt is not a return: an Outlook automatic reply is on with no end, and returnAt is only as far as we look ahead',
    ),
});
export const pbxStatusSegmentSchema = z.discriminatedUnion('status', [availableSegment, awaySegment]);

export const pbxStatusSchema = z
  .object({
    current: pbxStatusSegmentSchema.describe('The state now'),
    next: pbxStatusSegmentSchema.nullable().describe('The state from `current.until` on; null if none'),
    announcement: z
      .object({
        language: z.enum(ANNOUNCEMENT_LANGUAGES),
        text: z
          .string()
          .describe("Reason and return time in the user's time zone, to speak or show; never a subject"),
      })
      .describe('A sentence for callers, in the language the rules choose'),
  })
  .describe("The user's status, worked out from every absence they have");

export const userStatusSchema = z.object({
  type: z.literal('user.status'),
  ...envelope,
  data: z.object({
    user,
    version: version.describe(
      'Grows with every status of this user: keep the status with the highest version, including one in a snapshot',
    ),
    status: pbxStatusSchema,
  }),
});

export const userSnapshotSchema = z.object({
  type: z.literal('user.snapshot'),
  ...envelope,
  data: z.object({
    user,
    version: version.describe(
      'At least the version of everything this snapshot reflects: remove absences of this user that are missing here and older than this, and drop later webhooks of this user older than this',
    ),
    absences: z
      .array(pbxAbsenceSchema)
      .describe('Every live absence of the user: replaces everything you hold for them'),
    status: pbxStatusSchema
      .optional()
      .describe('The status these absences give, when the rules send statuses; replaces the one you hold'),
  }),
});

export const pbxEventSchema = z.discriminatedUnion('type', [
  absenceUpsertedSchema,
  absenceDeletedSchema,
  userSnapshotSchema,
  userStatusSchema,
]);

/** One JSON Schema file per event type; see docs/schemas and test/pbx/jsonSchemas.test.ts. */
export const PBX_EVENT_SCHEMAS = {
  'absence.upserted': absenceUpsertedSchema,
  'absence.deleted': absenceDeletedSchema,
  'user.snapshot': userSnapshotSchema,
  'user.status': userStatusSchema,
} as const;

/** A message on the `deliveries` queue, as the deliverWebhook function reads it. */
export const deliveryRequestSchema = z.object({
  webhookId: z.string().min(1).max(100),
  integrationId: z.string().min(1),
  event: pbxEventSchema,
  attempt: z.number().int().positive().optional(),
  replay: z.number().int().positive().optional(),
  notifiedAt: isoInstant.optional(),
  deferred: z.number().int().positive().optional(),
});

// Fail to compile if the schemas and the contract in pbxEvent.ts drift apart.
type Same<A, B> = [A, B] extends [B, A] ? true : false;
const eventShape: Same<z.infer<typeof pbxEventSchema>, PbxEvent> = true;
const requestShape: Same<z.infer<typeof deliveryRequestSchema>, DeliveryRequest> = true;
void eventShape;
void requestShape;

export function parsePbxEvent(value: unknown): PbxEvent {
  return pbxEventSchema.parse(value);
}
