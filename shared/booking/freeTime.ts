// The free slots of the people a call centre may book: Graph's getSchedule
// for their busy times and working hours (⌈N / 20⌉ calls), then the slots of
// the asked length inside the working hours on each person's clock
// (domain/freeSlots.ts). The answer carries start and end times only: the
// subjects of other entries never leave Graph's answer, which asks for none.
import { freeSlots } from '../domain/freeSlots';
import { readSchedules } from '../graph/freeBusySchedules';
import { type BookingCaller, type BookingDeps, type BookingRefusal, logBooking } from './bookingCaller';
import type { FreeTimeRequest } from './bookingRequests';

export type FreeTimeForUser =
  | {
      user: string;
      kind: 'slots';
      slots: { start: string; end: string }[];
      /** The person's working hours as Graph gave them; absent: none known, so nothing is offered. */
      workingHours?: { daysOfWeek: string[]; start: string; end: string; timeZone: string };
    }
  | { user: string; kind: 'refused'; reason: string };

export interface FreeTimeAnswer {
  users: FreeTimeForUser[];
}

const REASONS = {
  outsideGroup: 'not in the booking group of this integration',
  notFound: 'no mailbox with this address in the tenant',
  refused: "Microsoft 365 refused to show this mailbox's free/busy",
  failed: "Microsoft 365 could not answer for this mailbox's free/busy",
} as const;

export async function freeTime(
  caller: BookingCaller,
  request: FreeTimeRequest,
  deps: BookingDeps,
): Promise<{ kind: 'ok'; value: FreeTimeAnswer } | BookingRefusal> {
  const { integration } = caller;
  const client = deps.graphFor(integration);
  const users = [...new Set(request.users)];
  const lookups = await deps.members.lookup(integration.id, integration.booking.groupId, client, users);
  const members = lookups.flatMap((lookup) => (lookup.kind === 'member' ? [lookup.mailbox] : []));
  const period = { start: Date.parse(request.start), end: Date.parse(request.end) };
  const readings =
    members.length === 0
      ? []
      : await readSchedules(
          client,
          members[0]?.userId ?? '',
          members.map((member) => member.address),
          period,
          15,
        );
  const throttled = readings.find(
    (reading) => reading.kind === 'failed' && reading.failure.kind === 'throttled',
  );
  if (throttled && throttled.kind === 'failed' && throttled.failure.kind === 'throttled') {
    await logBooking(caller, { action: 'freeTime', result: 'throttled', userCount: users.length }, deps);
    return {
      kind: 'unavailable',
      reason: 'Microsoft 365 is throttling free/busy reads; ask again shortly',
      retryAfterSeconds: throttled.failure.retryAfterSeconds,
    };
  }
  const byAddress = new Map(readings.map((reading) => [reading.address.toLowerCase(), reading]));
  const answers = users.map((user): FreeTimeForUser => {
    const reading = byAddress.get(user.toLowerCase());
    if (!reading) return { user, kind: 'refused', reason: REASONS.outsideGroup };
    if (reading.kind === 'failed') {
      const kind = reading.failure.kind === 'throttled' ? 'failed' : reading.failure.kind;
      return { user, kind: 'refused', reason: REASONS[kind] };
    }
    const slots = freeSlots({
      busy: reading.busy,
      workingHours: reading.workingHours,
      from: period.start,
      to: period.end,
      slotMinutes: request.durationMinutes,
      ...(request.stepMinutes ? { stepMinutes: request.stepMinutes } : {}),
      ...(request.maxSlotsPerUser ? { maxSlots: request.maxSlotsPerUser } : {}),
    });
    return {
      user,
      kind: 'slots',
      slots: slots.map((slot) => ({
        start: new Date(slot.start).toISOString(),
        end: new Date(slot.end).toISOString(),
      })),
      ...(reading.workingHours
        ? {
            workingHours: {
              daysOfWeek: [...reading.workingHours.daysOfWeek],
              start: reading.workingHours.start,
              end: reading.workingHours.end,
              timeZone: reading.workingHours.timeZone,
            },
          }
        : {}),
    };
  });
  await logBooking(
    caller,
    { action: 'freeTime', result: 'done', userCount: users.length, start: request.start, end: request.end },
    deps,
  );
  return { kind: 'ok', value: { users: answers } };
}
