import type { CalendarViewDelta } from './calendarViewDelta';
import type { createCalendarViewRoute } from './calendarViewRoute';
import type { createEventRoutes } from './eventRoutes';
import { graphError, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';
import type { Groups } from './groupRoutes';
import {
  CALENDAR_READ,
  CALENDAR_WRITE,
  EVENT_SUBSCRIPTION,
  GROUP_MEMBERS_READ,
  GROUP_READ,
  MAILBOX_SETTINGS_READ,
  permissionRefusal,
  type RequiredPermission,
  SCHEDULE_READ,
  USER_READ,
} from './permissions';
import type { ScheduleRoute } from './scheduleRoute';
import type { Subscriptions } from './subscriptionStore';
import { getAutomaticReplies, getMailboxSettings, getUser, listUsers } from './userRoutes';

/** Which handler answers a Graph path (below `/v1.0`). Segment names match case-insensitively, as in Graph. */
export interface GraphHandlers {
  events: ReturnType<typeof createEventRoutes>;
  delta: CalendarViewDelta;
  subscriptions: Subscriptions;
  groups: Groups;
  schedule: ScheduleRoute;
  calendarView: ReturnType<typeof createCalendarViewRoute>;
}

type Handler = (context: GraphContext, params: string[]) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** The application permission Graph documents for the call (permissions.ts), or when it depends on the tenant. */
  needs?: RequiredPermission | ((context: GraphContext) => RequiredPermission | undefined);
}

/** Event writes need Calendars.ReadWrite only where they stand for the app, not the mailbox's owner. */
const eventWrite = (context: GraphContext) => (context.appEventWrites ? CALENDAR_WRITE : undefined);

const SEGMENT = '([^/]+)';

export function createGraphRouter(handlers: GraphHandlers) {
  const { events, delta, subscriptions, groups, schedule, calendarView } = handlers;
  const routes: Route[] = [
    {
      method: 'GET',
      pattern: new RegExp(`^/groups/${SEGMENT}$`, 'i'),
      needs: GROUP_READ,
      handler: (c, [g]) => groups.get(c, g!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/groups/${SEGMENT}/members$`, 'i'),
      needs: GROUP_MEMBERS_READ,
      handler: (c, [g]) => groups.members(c, g!),
    },
    { method: 'GET', pattern: /^\/users$/i, needs: USER_READ, handler: (c) => listUsers(c) },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}$`, 'i'),
      needs: USER_READ,
      handler: (c, [u]) => getUser(c, u!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/mailboxSettings$`, 'i'),
      needs: MAILBOX_SETTINGS_READ,
      handler: (c, [u]) => getMailboxSettings(c, u!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/mailboxSettings/automaticRepliesSetting$`, 'i'),
      needs: MAILBOX_SETTINGS_READ,
      handler: (c, [u]) => getAutomaticReplies(c, u!),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?events$`, 'i'),
      needs: eventWrite,
      handler: (c, [u]) => events.create(c, u!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?events/${SEGMENT}$`, 'i'),
      needs: CALENDAR_READ,
      handler: (c, [u, e]) => events.get(c, u!, e!),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?events/${SEGMENT}$`, 'i'),
      needs: eventWrite,
      handler: (c, [u, e]) => events.update(c, u!, e!),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?events/${SEGMENT}$`, 'i'),
      needs: eventWrite,
      handler: (c, [u, e]) => events.remove(c, u!, e!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?events/${SEGMENT}/instances$`, 'i'),
      handler: (c, [u, e]) => events.instances(c, u!, e!),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/users/${SEGMENT}/calendar/getSchedule$`, 'i'),
      needs: SCHEDULE_READ,
      handler: (c, [u]) => schedule.handle(c, u!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?calendarView$`, 'i'),
      needs: CALENDAR_READ,
      handler: (c, [u]) => calendarView.handle(c, u!),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${SEGMENT}/(?:calendar/)?calendarView/delta(?:\\(\\))?$`, 'i'),
      needs: CALENDAR_READ,
      handler: (c, [u]) => delta.handle(c, u!),
    },
    {
      method: 'POST',
      pattern: /^\/subscriptions$/i,
      needs: EVENT_SUBSCRIPTION,
      handler: (c) => subscriptions.create(c),
    },
    { method: 'GET', pattern: /^\/subscriptions$/i, handler: (c) => subscriptions.list(c) },
    {
      method: 'GET',
      pattern: new RegExp(`^/subscriptions/${SEGMENT}$`, 'i'),
      handler: (c, [id]) => subscriptions.get(c, id!),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/subscriptions/${SEGMENT}$`, 'i'),
      needs: EVENT_SUBSCRIPTION,
      handler: (c, [id]) => subscriptions.update(c, id!),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/subscriptions/${SEGMENT}$`, 'i'),
      handler: (c, [id]) => subscriptions.remove(c, id!),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/subscriptions/${SEGMENT}/reauthorize$`, 'i'),
      needs: EVENT_SUBSCRIPTION,
      handler: (c, [id]) => subscriptions.reauthorize(c, id!),
    },
  ];

  return async (context: GraphContext, graphPath: string): Promise<SimResponse> => {
    const matching = routes
      .map((route) => ({ route, match: route.pattern.exec(graphPath) }))
      .filter((m) => m.match !== null);
    if (matching.length === 0) {
      const segment = graphPath.split('/').filter(Boolean).at(-1) ?? '';
      return graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
    }
    const chosen = matching.find((m) => m.route.method === context.request.method);
    if (!chosen?.match)
      return graphError(405, 'BadRequest', 'The specified HTTP method is not allowed for the request.');
    const needs = typeof chosen.route.needs === 'function' ? chosen.route.needs(context) : chosen.route.needs;
    const refused = needs && permissionRefusal(context.roles, needs);
    if (refused) return refused;
    const params = chosen.match.slice(1).map((p) => decodeURIComponent(p ?? ''));
    return chosen.route.handler(context, params);
  };
}
