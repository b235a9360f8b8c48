// Free/busy of bookable users over a period, through Graph's getSchedule
// (https://learn.microsoft.com/graph/api/calendar-getschedule): for each
// address the times it is not free and its working hours, as UTC instants
// and IANA zones, or why it could not be read. getSchedule needs only the
// basic calendar permission and takes at most MAX_SCHEDULES_PER_CALL
// addresses, so N addresses cost ⌈N / 20⌉ calls, sent side by side.

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { WorkingHours } from '../domain/workingHours';
import { type DateTimeTimeZone, graphDateTimeAt, instantOfGraphDateTime } from './graphDateTime';
import { classifyGraphError } from './graphErrors';
import { chunks } from './jsonBatch';
import { workingHoursOf } from './mailboxes';

/**
 * "getSchedule can support looking up free/busy information for up to 20
 * entities at once", over a period "less than 62 days"
 * (https://learn.microsoft.com/graph/outlook-get-free-busy-schedule#limits-and-error-conditions).
 */
export const MAX_SCHEDULES_PER_CALL = 20;
export const MAX_SCHEDULE_PERIOD_DAYS = 62;

/** A schedule item's status other than free (https://learn.microsoft.com/graph/api/resources/scheduleitem). */
export type BusyStatus = 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';

export interface BusyTime {
  status: BusyStatus;
  /** UTC instants (ms). */
  start: number;
  end: number;
}

export type ScheduleFailure =
  /** The tenant knows no mailbox by this address. */
  | { kind: 'notFound'; code: string }
  /** The app may not read this mailbox (permission, or outside its RBAC scope). */
  | { kind: 'refused'; code: string }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'failed'; code: string };

export type ScheduleReading =
  | {
      address: string;
      kind: 'read';
      busy: BusyTime[];
      /** Undefined when Graph sent none we can read (e.g. a custom zone without a name we know). */
      workingHours?: WorkingHours;
    }
  | { address: string; kind: 'failed'; failure: ScheduleFailure };

const STATUSES: Record<string, BusyStatus | 'free'> = {
  free: 'free',
  tentative: 'tentative',
  busy: 'busy',
  oof: 'oof',
  workingelsewhere: 'workingElsewhere',
  unknown: 'unknown',
};

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string() });
const scheduleSchema = z.object({
  scheduleId: z.string(),
  // Examples spell it "busy" and "Busy"; a status Graph adds later reads as busy, so it never hides a meeting.
  scheduleItems: z
    .array(
      z.object({
        status: z.string().transform((status) => STATUSES[status.toLowerCase()] ?? 'busy'),
        start: dateTimeTimeZone,
        end: dateTimeTimeZone,
      }),
    )
    .nullish(),
  workingHours: z.unknown().optional(),
  error: z.object({ message: z.string().nullish(), responseCode: z.string().nullish() }).nullish(),
});
const answerSchema = z.object({ value: z.array(scheduleSchema) });

/** freeBusyError.responseCode (https://learn.microsoft.com/graph/api/resources/freebusyerror). */
function failureOf(code: string): ScheduleFailure {
  if (/notfound|invaliduser|invalidsmtp/i.test(code)) return { kind: 'notFound', code };
  if (/accessdenied|denied|forbidden/i.test(code)) return { kind: 'refused', code };
  return { kind: 'failed', code };
}

function callFailure(error: unknown): ScheduleFailure {
  const failure = classifyGraphError(error);
  if (!failure) throw error;
  switch (failure.kind) {
    case 'throttled':
      return { kind: 'throttled', retryAfterSeconds: failure.retryAfterSeconds };
    case 'accessDenied':
      return { kind: 'refused', code: failure.code };
    default:
      return { kind: 'failed', code: failure.code };
  }
}

function readingOf(address: string, raw: z.infer<typeof scheduleSchema> | undefined): ScheduleReading {
  if (!raw) return { address, kind: 'failed', failure: { kind: 'failed', code: 'missingSchedule' } };
  if (raw.error) {
    return { address, kind: 'failed', failure: failureOf(raw.error.responseCode ?? 'unknown') };
  }
  const busy: BusyTime[] = [];
  for (const item of raw.scheduleItems ?? []) {
    if (item.status === 'free') continue;
    const start = instantOfGraphDateTime(item.start);
    const end = instantOfGraphDateTime(item.end);
    // An item we cannot place fails the whole schedule: guessing it free could double-book.
    if (start === undefined || end === undefined) {
      return { address, kind: 'failed', failure: { kind: 'failed', code: 'unreadableItem' } };
    }
    busy.push({ status: item.status, start, end });
  }
  const workingHours = workingHoursOf(raw.workingHours, undefined);
  return { address, kind: 'read', busy, ...(workingHours ? { workingHours } : {}) };
}

const utc = (instant: number): DateTimeTimeZone => graphDateTimeAt(instant, 'UTC');

/**
 * Reads the schedules of `addresses` (SMTP addresses) over `period` with
 * `askingMailbox` as the mailbox the call is made for. One reading per
 * address, in the order given; a call that fails as a whole (throttled,
 * refused) fails each of its addresses, and the other calls still count.
 */
export async function readSchedules(
  client: Client,
  askingMailbox: string,
  addresses: readonly string[],
  period: { start: number; end: number },
  intervalMinutes = 30,
): Promise<ScheduleReading[]> {
  const calls = chunks(addresses, MAX_SCHEDULES_PER_CALL).map(async (batch): Promise<ScheduleReading[]> => {
    let answer: z.infer<typeof answerSchema>;
    try {
      const raw: unknown = await client
        .api(`/users/${encodeURIComponent(askingMailbox)}/calendar/getSchedule`)
        .header('Prefer', 'outlook.timezone="UTC"')
        .post({
          schedules: batch,
          startTime: utc(period.start),
          endTime: utc(period.end),
          availabilityViewInterval: intervalMinutes,
        });
      answer = answerSchema.parse(raw);
    } catch (error) {
      if (error instanceof z.ZodError) {
        return batch.map((address) => ({
          address,
          kind: 'failed',
          failure: { kind: 'failed', code: 'unreadableAnswer' },
        }));
      }
      const failure = callFailure(error);
      return batch.map((address) => ({ address, kind: 'failed', failure }));
    }
    const byId = new Map(answer.value.map((schedule) => [schedule.scheduleId.toLowerCase(), schedule]));
    return batch.map((address) => readingOf(address, byId.get(address.toLowerCase())));
  });
  return (await Promise.all(calls)).flat();
}
