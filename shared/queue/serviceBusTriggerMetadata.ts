// What the Azure Functions Service Bus trigger (v4 Node model, one message per
// call) puts in `context.triggerMetadata`. The worker camel-cases the host's
// names (MessageId → messageId, EnqueuedTimeUtc → enqueuedTimeUtc, also the
// keys inside applicationProperties) and JSON-parses string values, so a
// numeric-looking id can arrive as a number. Extension 5.x sends
// `applicationProperties`; older ones sent `userProperties`.

import { z } from 'zod';
import type { ApplicationProperties, ReceivedMessageInfo } from './queuePort';

const idValue = z.union([z.string(), z.number()]).transform(String);

const propertiesValue = z.record(z.string(), z.unknown()).transform((properties): ApplicationProperties => {
  const kept: ApplicationProperties = {};
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      kept[key] = value;
  }
  return kept;
});

/** The host writes UTC times, sometimes without a zone suffix, which `Date` would read as local time. */
const utcInstant = z.union([z.string(), z.date()]).transform((value, ctx) => {
  if (value instanceof Date) return value;
  const zoneless = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value);
  const parsed = new Date(zoneless ? `${value}Z` : value);
  if (Number.isNaN(parsed.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'not a date-time' });
    return z.NEVER;
  }
  return parsed;
});

const triggerMetadataSchema = z.object({
  messageId: idValue.pipe(z.string().min(1)),
  deliveryCount: z.coerce.number().int().positive(),
  sessionId: idValue.nullish(),
  enqueuedTimeUtc: utcInstant,
  applicationProperties: propertiesValue.nullish(),
  userProperties: propertiesValue.nullish(),
});

export class TriggerMetadataError extends Error {
  constructor(readonly problems: string[]) {
    super(`Unexpected Service Bus trigger metadata: ${problems.join('; ')}`);
    this.name = 'TriggerMetadataError';
  }
}

export function receivedInfoFromTrigger(triggerMetadata: unknown): ReceivedMessageInfo {
  const result = triggerMetadataSchema.safeParse(triggerMetadata);
  if (!result.success) {
    // Paths and messages only: metadata values never reach the log.
    throw new TriggerMetadataError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(metadata)'}: ${issue.message}`),
    );
  }
  const metadata = result.data;
  return {
    messageId: metadata.messageId,
    deliveryCount: metadata.deliveryCount,
    enqueuedTime: metadata.enqueuedTimeUtc,
    applicationProperties: metadata.applicationProperties ?? metadata.userProperties ?? {},
    ...(metadata.sessionId ? { sessionId: metadata.sessionId } : {}),
  };
}
