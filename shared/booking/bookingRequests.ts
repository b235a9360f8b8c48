// What the call-centre system may send the booking API, as zod schemas: each
// is strict (an unknown field is a typo the call centre should hear about)
// and is also the source of the booking API's OpenAPI document
// (functions/http/bookingOpenApi.ts), so the two cannot drift.
import { z } from 'zod';
import { parseMailAddress } from '../domain/mailAddress';
import { isTimeZone } from '../domain/timeZone';
import { MAX_SCHEDULE_PERIOD_DAYS } from '../graph/freeBusySchedules';

/** How many mailboxes one free-time question may name: five getSchedule calls at most. */
export const FREE_TIME_MAX_USERS = 100;
/** The longest appointment a call centre books: a working day. */
export const BOOKING_MAX_MINUTES = 12 * 60;

const mailbox = z
  .string()
  .max(1024)
  .transform((text, ctx) => {
    const parsed = parseMailAddress(text);
    if (parsed.kind === 'address') return parsed.address;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  })
  .meta({ description: "A field worker's mailbox address (a member of the integration's booking group)" });

const instant = z.iso.datetime({ offset: true }).meta({
  description: 'An instant with its offset, e.g. 2026-12-07T09:00:00+01:00 or 2026-12-07T08:00:00Z',
});

const zone = z
  .string()
  .max(64)
  .refine(isTimeZone, 'an IANA time zone such as Europe/Stockholm')
  .meta({ description: 'The IANA zone the appointment is written in, as Outlook will show it' });

function endAfterStart<T extends { start: string; end: string }>(value: T, ctx: z.RefinementCtx): void {
  const start = Date.parse(value.start);
  const end = Date.parse(value.end);
  if (!(end > start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
  else if (end - start > BOOKING_MAX_MINUTES * 60_000) {
    ctx.addIssue({
      code: 'custom',
      path: ['end'],
      message: `at most ${BOOKING_MAX_MINUTES} minutes after start`,
    });
  }
}

export const freeTimeRequestSchema = z
  .object({
    users: z.array(mailbox).min(1).max(FREE_TIME_MAX_USERS),
    start: instant,
    end: instant,
    durationMinutes: z.number().int().min(5).max(BOOKING_MAX_MINUTES),
    stepMinutes: z
      .number()
      .int()
      .min(5)
      .max(240)
      .optional()
      .meta({ description: "Slot starts fall on this grid of the worker's local clock; default 15" }),
    maxSlotsPerUser: z.number().int().min(1).max(500).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const span = Date.parse(value.end) - Date.parse(value.start);
    if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
    else if (span >= MAX_SCHEDULE_PERIOD_DAYS * 86_400_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `the period must be shorter than ${MAX_SCHEDULE_PERIOD_DAYS} days (Graph's getSchedule limit)`,
      });
    }
  });
export type FreeTimeRequest = z.infer<typeof freeTimeRequestSchema>;

export const bookRequestSchema = z
  .object({
    user: mailbox,
    subject: z.string().trim().min(1).max(255),
    start: instant,
    end: instant,
    timeZone: zone,
    location: z.string().trim().max(255).optional(),
    note: z
      .string()
      .max(4000)
      .optional()
      .meta({ description: 'Plain text for the person booked; it becomes the appointment body' }),
    callerReference: z
      .string()
      .trim()
      .max(100)
      .optional()
      .meta({ description: "The call centre's own reference for the caller, e.g. a ticket number" }),
    clientKey: z.string().min(1).max(200).meta({
      description:
        'Idempotency key: a request sent again with the same key creates nothing new and answers the booking made the first time',
    }),
  })
  .strict()
  .superRefine(endAfterStart);
export type BookRequest = z.infer<typeof bookRequestSchema>;

export const moveRequestSchema = z
  .object({ start: instant, end: instant, timeZone: zone })
  .strict()
  .superRefine(endAfterStart);
export type MoveRequest = z.infer<typeof moveRequestSchema>;

export const BOOKING_LIST_MAX = 200;
export const listQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(BOOKING_LIST_MAX).default(50) })
  .strict();
