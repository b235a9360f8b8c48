import { z } from 'zod';
import { CALL_HANDLING_VALUES } from '../domain/absence';
import { type DeliveryRequest, PBX_SCHEMA_VERSION, type PbxEvent } from './pbxEvent';

/**
 * The webhook payload as a receiver checks it: the dev PBX sink uses it, and
 * it documents for PBX vendors exactly what schema version 1 promises.
 */
const isoInstant = z.iso.datetime({ offset: true });
const user = z.object({ id: z.string().min(1), email: z.string().min(1) });
const version = z.number().int().positive();

const envelope = {
  schemaVersion: z.literal(PBX_SCHEMA_VERSION),
  timestamp: isoInstant,
  integrationId: z.string().min(1),
};

export const pbxEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('absence.upserted'),
    ...envelope,
    data: z.object({
      user,
      absence: z.object({
        id: z.string().min(1),
        version,
        start: isoInstant,
        end: isoInstant,
        reason: z.object({ code: z.string(), name: z.string() }),
        callHandling: z.enum(CALL_HANDLING_VALUES),
        seriesId: z.string().optional(),
        subject: z.string().optional(),
      }),
    }),
  }),
  z.object({
    type: z.literal('absence.deleted'),
    ...envelope,
    data: z.object({
      user,
      absence: z.object({ id: z.string().min(1), version, seriesId: z.string().optional() }),
    }),
  }),
]);

/** A message on the `deliveries` queue, as the deliverWebhook function reads it. */
export const deliveryRequestSchema = z.object({
  webhookId: z.string().min(1),
  integrationId: z.string().min(1),
  event: pbxEventSchema,
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
