import type { z } from 'zod';
import { foundJson, storedEventJson } from './eventJson';
import type { EventStore, StoreResult } from './eventStore';
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

    remove(context: GraphContext, userSegment: string, eventId: string): SimResponse {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const removed = store.remove(owner.user.id, eventId);
      return removed.ok ? noContent() : failed(removed);
    },
  };
}
