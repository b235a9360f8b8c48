// `GET /users/{id}/calendarView`: the events overlapping a window, series
// expanded, each with all its properties (occurrences too, as a GET of the
// event gives them), paged by `$top` (Graph's default is 10) with an
// `@odata.nextLink` carrying `$skip`
// (https://learn.microsoft.com/graph/api/user-list-calendarview). `$select`
// is not applied: every property comes back, which a client that selects
// must tolerate anyway. Cancelled events stay out, as in Outlook's view.

import { queryValue, requestedWindow } from './calendarViewDelta';
import { foundJson, storedEventJson } from './eventJson';
import type { EventInstance, EventStore } from './eventStore';
import { graphError, json, type SimResponse } from './exchange';
import { type GraphContext, mailboxOwner } from './graphContext';
import { preferencesOf } from './preferences';

const DEFAULT_TOP = 10;
const MAX_TOP = 1000;

function instanceJson(instance: EventInstance, zoneLabel: string | undefined) {
  return instance.kind === 'singleInstance'
    ? storedEventJson(instance.event, zoneLabel)
    : foundJson({ kind: 'occurrence', instance }, zoneLabel);
}

export function createCalendarViewRoute(store: EventStore) {
  return {
    handle(context: GraphContext, userSegment: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const { query } = context.request;
      const window = requestedWindow(query);
      if (!window.ok) return window.response;
      const top = Number(queryValue(query, '$top') ?? DEFAULT_TOP);
      const skip = Number(queryValue(query, '$skip') ?? 0);
      if (!Number.isInteger(top) || top < 1 || top > MAX_TOP || !Number.isInteger(skip) || skip < 0) {
        return graphError(400, 'ErrorInvalidParameter', 'The $top or $skip value is not valid.');
      }
      const zoneLabel = preferencesOf(context.request).timeZone;
      const items = store
        .instancesInWindow(owner.user.id, window.startMs, window.endMs, owner.user.timeZone)
        .map((instance) => instanceJson(instance, zoneLabel))
        .filter((event) => event.isCancelled !== true);
      const page = items.slice(skip, skip + top);
      const next = new URLSearchParams(query);
      next.set('$skip', String(skip + top));
      const base = `${context.graphBaseUrl}/users/${encodeURIComponent(userSegment)}/calendarView`;
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#users('${userSegment}')/calendarView`,
        ...(skip + top < items.length ? { '@odata.nextLink': `${base}?${next.toString()}` } : {}),
        value: page,
      });
    },
  };
}
