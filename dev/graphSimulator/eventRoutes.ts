import type { z } from 'zod';
import { requestedWindow } from './calendarViewDelta';
import { foundJson, storedEventJson } from './eventJson';
import type { EventInstance, EventStore, StoreResult } from './eventStore';
import { eventCreateSchema, eventPatchSchema } from './eventWrites';
import { graphError, json, noContent, parseJsonBody, type SimResponse } from './exchange';
import { type GraphContext, mailboxOwner } from './graphContext';
import { preferencesOf } from './preferences';

function invalidBody(error: z.ZodError): SimResponse {
  const issue = error.issues[0];
  return graphError(
    400,
    'ErrorInvalidRequest',
    `Invalid request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'body'}`,
  );
}

function failed(result: Extract<StoreResult<unknown>, { ok: false }>): SimResponse {
  return graphError(result.status, result.code, result.message);
}

/** Whether a calendar-view instance is the event with this id or one of its series. */
function instanceOf(instance: EventInstance, eventId: string): boolean {
  if (instance.kind === 'singleInstance') return instance.event.id === eventId;
  return instance.master.id === eventId || instance.id === eventId;
}

export function createEventRoutes(store: EventStore) {
  return {
    create(context: GraphContext, userSegment: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const body = parseJsonBody(context.request);
      if (!body.ok) return body.response;
      const input = eventCreateSchema.safeParse(body.value);
      if (!input.success) return invalidBody(input.error);
      const created = store.create(owner.user.id, input.data);
      if (!created.ok) return failed(created);
      return json(201, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/events/$entity`,
        ...storedEventJson(created.value, preferencesOf(context.request).timeZone),
      });
    },

    get(context: GraphContext, userSegment: string, eventId: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const found = store.find(owner.user.id, eventId);
      if (!found)
        return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/events/$entity`,
        ...foundJson(found, preferencesOf(context.request).timeZone),
      });
    },

    update(context: GraphContext, userSegment: string, eventId: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const body = parseJsonBody(context.request);
      if (!body.ok) return body.response;
      const patch = eventPatchSchema.safeParse(body.value);
      if (!patch.success) return invalidBody(patch.error);
      const updated = store.update(owner.user.id, eventId, patch.data);
      if (!updated.ok) return failed(updated);
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/events/$entity`,
        ...foundJson(updated.value, preferencesOf(context.request).timeZone),
      });
    },

    /**
     * `GET …/events/{id}/instances`: the occurrences and exceptions of a
     * series master within the window, or the event itself for any other id
     * that falls in it. Both window parameters are required, as documented:
     * https://learn.microsoft.com/graph/api/event-list-instances
     */
    instances(context: GraphContext, userSegment: string, eventId: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const { query } = context.request;
      const window = requestedWindow(query);
      if (!window.ok) return window.response;
      const { startMs, endMs } = window;
      if (!store.find(owner.user.id, eventId))
        return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const zoneLabel = preferencesOf(context.request).timeZone;
      const value = store
        .instancesInWindow(owner.user.id, startMs, endMs, owner.user.timeZone)
        .filter((instance) => instanceOf(instance, eventId))
        .map((instance) =>
          instance.kind === 'singleInstance'
            ? storedEventJson(instance.event, zoneLabel)
            : foundJson({ kind: 'occurrence', instance }, zoneLabel),
        );
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/events('${eventId}')/instances`,
        value,
      });
    },

    remove(context: GraphContext, userSegment: string, eventId: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const removed = store.remove(owner.user.id, eventId);
      return removed.ok ? noContent() : failed(removed);
    },
  };
}
