// `POST /users/{id|upn}/calendar/getSchedule`: free/busy of up to 20
// mailboxes over a period, as Exchange answers it to an app
// (https://learn.microsoft.com/graph/api/calendar-getschedule,
// https://learn.microsoft.com/graph/outlook-get-free-busy-schedule,
// https://learn.microsoft.com/graph/api/resources/scheduleinformation).
// - Items are the mailbox's events overlapping the period, series expanded,
//   cancelled ones left out; times in UTC unless `Prefer: outlook.timezone`.
// - What an item says beyond its status depends on the owner's calendar
//   sharing: Exchange Online's default (`availabilityOnly`, "can view when
//   I'm busy") gives status and times only; `limitedDetails` adds isPrivate,
//   and subject and location for items that are not private or confidential.
// - An address the tenant does not know gets a scheduleInformation with an
//   `error` (freeBusyError) instead of items; so does a mailbox outside the
//   app's RBAC read scope, since the asking mailbox itself may be in scope.
// - Limits: "up to 20 entities at once" and a period "less than 62 days".
//   The documents give the limits, not the answer beyond them; the simulator
//   refuses with 400 `ErrorInvalidParameter`, Graph's code for a parameter
//   out of its range.
// - availabilityView: one digit per `availabilityViewInterval` minutes
//   (default 30, 5 to 1440): 0 free or working elsewhere, 1 tentative,
//   2 busy, 3 out of office; the strongest item in the slot wins.

import { z } from 'zod';
import type { SimUser } from './directory';
import type { EventProps, EventStore } from './eventStore';
import { instanceTiming } from './eventStore';
import { instantsOf } from './eventTiming';
import { graphError, json, parseJsonBody, type SimResponse } from './exchange';
import { type GraphContext, mailboxOwner } from './graphContext';
import { preferenceApplied, preferencesOf } from './preferences';
import { instantOfWallClock, parseWallClock, resolveZone, wallClockAt } from './wallClock';

/** https://learn.microsoft.com/graph/outlook-get-free-busy-schedule#limits-and-error-conditions */
export const MAX_SCHEDULES = 20;
const MAX_PERIOD_MS = 62 * 24 * 60 * 60 * 1000;

const dateTimeTimeZone = z.object({ dateTime: z.string().min(1), timeZone: z.string().min(1) });
const requestSchema = z.object({
  schedules: z.array(z.string().min(1)).min(1),
  startTime: dateTimeTimeZone,
  endTime: dateTimeTimeZone,
  // The concept page's example sends it as a string ("15").
  availabilityViewInterval: z.coerce.number().int().optional(),
});

const SLOT_CODE: Record<EventProps['showAs'], number> = {
  free: 0,
  workingElsewhere: 0,
  unknown: 0,
  tentative: 1,
  busy: 2,
  oof: 3,
};

/** Property names of an action's parameters are matched without case, as the concept page's `Schedules` shows. */
function camelKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), inner]),
  );
}

function instantOf(value: { dateTime: string; timeZone: string }): number | undefined {
  const wall = parseWallClock(value.dateTime);
  const zone = resolveZone(value.timeZone);
  return wall && zone ? instantOfWallClock(wall, zone) : undefined;
}

export interface ScheduleRoute {
  handle(context: GraphContext, userSegment: string): SimResponse;
}

export function createScheduleRoute(parts: {
  store: EventStore;
  /** Whether the app's RBAC read scope covers this mailbox (always, without one). */
  readable: (tenantId: string, userId: string) => boolean;
}): ScheduleRoute {
  const findByAddress = (context: GraphContext, address: string): SimUser | undefined => {
    const wanted = address.toLowerCase();
    return context.directory
      .usersOf(context.tenantId)
      .find(
        (user) =>
          user.mail.toLowerCase() === wanted ||
          user.userPrincipalName.toLowerCase() === wanted ||
          user.proxyAddresses.some((proxy) => proxy.slice(5).toLowerCase() === wanted),
      );
  };

  const scheduleOf = (
    user: SimUser,
    scheduleId: string,
    window: { startMs: number; endMs: number; intervalMinutes: number },
    zoneLabel: string | undefined,
  ) => {
    const zone = resolveZone(zoneLabel ?? 'UTC') ?? 'UTC';
    const label = resolveZone(zoneLabel ?? 'UTC') ? (zoneLabel ?? 'UTC') : 'UTC';
    const at = (ms: number) => ({ dateTime: `${wallClockAt(ms, zone)}.0000000`, timeZone: label });
    const items = parts.store
      .instancesInWindow(user.id, window.startMs, window.endMs, user.timeZone)
      .map((instance) => {
        const props =
          instance.kind === 'singleInstance'
            ? instance.event.props
            : instance.kind === 'exception'
              ? instance.record.props
              : instance.master.props;
        return { props, ...instantsOf(instanceTiming(instance), user.timeZone) };
      })
      .filter((item) => !item.props.isCancelled);
    const slotMs = window.intervalMinutes * 60_000;
    const slots = Math.ceil((window.endMs - window.startMs) / slotMs);
    let availabilityView = '';
    for (let slot = 0; slot < slots; slot++) {
      const from = window.startMs + slot * slotMs;
      const to = Math.min(from + slotMs, window.endMs);
      const codes = items
        .filter((item) => item.startMs < to && item.endMs > from)
        .map((item) => SLOT_CODE[item.props.showAs]);
      availabilityView += String(Math.max(0, ...codes));
    }
    const detailed = user.calendarSharing === 'limitedDetails';
    return {
      scheduleId,
      availabilityView,
      scheduleItems: items.map((item) => {
        const isPrivate = item.props.sensitivity === 'private' || item.props.sensitivity === 'confidential';
        return {
          ...(detailed ? { isPrivate } : {}),
          status: item.props.showAs,
          ...(detailed && !isPrivate ? { subject: item.props.subject, location: item.props.location } : {}),
          start: at(item.startMs),
          end: at(item.endMs),
        };
      }),
      workingHours: {
        daysOfWeek: [...user.workingHours.daysOfWeek],
        startTime: user.workingHours.startTime,
        endTime: user.workingHours.endTime,
        timeZone: { name: user.workingHours.timeZone.name },
      },
    };
  };

  return {
    handle(context, userSegment) {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const body = parseJsonBody(context.request);
      if (!body.ok) return body.response;
      const parsed = requestSchema.safeParse(camelKeys(body.value));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return graphError(
          400,
          'ErrorInvalidRequest',
          `Invalid request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'body'}`,
        );
      }
      const { schedules, startTime, endTime } = parsed.data;
      const intervalMinutes = parsed.data.availabilityViewInterval ?? 30;
      if (intervalMinutes < 5 || intervalMinutes > 1440) {
        return graphError(
          400,
          'ErrorInvalidParameter',
          'availabilityViewInterval must be between 5 and 1440 minutes.',
        );
      }
      if (schedules.length > MAX_SCHEDULES) {
        return graphError(
          400,
          'ErrorInvalidParameter',
          `The number of schedules requested, ${schedules.length}, exceeds the maximum of ${MAX_SCHEDULES}.`,
        );
      }
      const startMs = instantOf(startTime);
      const endMs = instantOf(endTime);
      if (startMs === undefined || endMs === undefined) {
        return graphError(400, 'ErrorInvalidRequest', 'Cannot convert the literal to a DateTime.');
      }
      if (endMs <= startMs) {
        return graphError(400, 'ErrorInvalidParameter', 'The end time must be later than the start time.');
      }
      if (endMs - startMs >= MAX_PERIOD_MS) {
        return graphError(400, 'ErrorInvalidParameter', 'The time period must be less than 62 days.');
      }
      const preferences = preferencesOf(context.request);
      const value = schedules.map((address) => {
        const user = findByAddress(context, address);
        if (!user) {
          return {
            scheduleId: address,
            availabilityView: '',
            error: {
              message: `Unable to resolve the address ${address} to a mailbox.`,
              responseCode: 'ErrorMailRecipientNotFound',
            },
          };
        }
        if (!parts.readable(context.tenantId, user.id)) {
          return {
            scheduleId: address,
            availabilityView: '',
            error: {
              message: 'Access is denied. Check credentials and try again.',
              responseCode: 'ErrorAccessDenied',
            },
          };
        }
        return scheduleOf(user, address, { startMs, endMs, intervalMinutes }, preferences.timeZone);
      });
      return json(
        200,
        {
          '@odata.context': `${context.graphBaseUrl}/$metadata#Collection(microsoft.graph.scheduleInformation)`,
          value,
        },
        preferenceApplied({ timeZone: preferences.timeZone }),
      );
    },
  };
}
