// What a client may write to an event (POST / PATCH), in Graph's property
// names. Unknown properties are ignored, as Graph ignores read-only ones.
// `transactionId` is taken on create only: "After you set transactionId when
// creating an event, you cannot change transactionId in a subsequent update"
// (https://learn.microsoft.com/graph/api/resources/event), so PATCH ignores it.

import { z } from 'zod';

const dateTimeTimeZone = z.object({
  dateTime: z.string().min(1),
  timeZone: z.string().min(1).default('UTC'),
});

const dayOfWeek = z.enum(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']);
export type DayOfWeek = z.infer<typeof dayOfWeek>;
export const DAYS_OF_WEEK = dayOfWeek.options;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const recurrenceSchema = z.object({
  pattern: z.object({
    type: z.enum(['daily', 'weekly']),
    interval: z.number().int().min(1).default(1),
    daysOfWeek: z.array(dayOfWeek).optional(),
    firstDayOfWeek: dayOfWeek.default('sunday'),
  }),
  range: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('endDate'),
      startDate: isoDate,
      endDate: isoDate,
      recurrenceTimeZone: z.string().optional(),
    }),
    z.object({
      type: z.literal('numbered'),
      startDate: isoDate,
      numberOfOccurrences: z.number().int().min(1),
      recurrenceTimeZone: z.string().optional(),
    }),
    z.object({ type: z.literal('noEnd'), startDate: isoDate, recurrenceTimeZone: z.string().optional() }),
  ]),
});
export type Recurrence = z.infer<typeof recurrenceSchema>;

const showAs = z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']);
const sensitivity = z.enum(['normal', 'personal', 'private', 'confidential']);
const response = z.enum(['none', 'organizer', 'tentativelyAccepted', 'accepted', 'declined', 'notResponded']);

/** https://learn.microsoft.com/graph/api/resources/location: only the name is kept. */
const location = z.object({ displayName: z.string().default('') });
/** https://learn.microsoft.com/graph/api/resources/itembody */
const itemBody = z.object({
  contentType: z
    .string()
    .transform((type) => (type.toLowerCase() === 'html' ? 'html' : 'text'))
    .default('text'),
  content: z.string().default(''),
});

export const eventPatchSchema = z.object({
  subject: z.string().optional(),
  location: location.optional(),
  body: itemBody.optional(),
  showAs: showAs.optional(),
  sensitivity: sensitivity.optional(),
  categories: z.array(z.string()).optional(),
  isCancelled: z.boolean().optional(),
  isAllDay: z.boolean().optional(),
  start: dateTimeTimeZone.optional(),
  end: dateTimeTimeZone.optional(),
  responseStatus: z.object({ response, time: z.string().optional() }).optional(),
  recurrence: recurrenceSchema.nullable().optional(),
});

export const eventCreateSchema = eventPatchSchema.extend({
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
  transactionId: z.string().min(1).optional(),
});

/** The input of `createEvent` and of POST /users/{id}/events. */
export type GraphEventInput = z.input<typeof eventCreateSchema>;
export type EventCreate = z.output<typeof eventCreateSchema>;
export type EventPatch = z.output<typeof eventPatchSchema>;
