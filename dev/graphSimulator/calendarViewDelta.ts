// `GET /users/{id}/calendarView/delta`. A round is computed when it starts
// (a consistent snapshot) and handed out page by page; the state at its start
// becomes the next round's baseline. Tokens are opaque handles to state kept
// here, so a stored link replays with no other parameters, and
// `expireDeltaTokens` can invalidate them like Graph's own expiry does.

import { randomBytes } from 'node:crypto';
import { deltaItemJson } from './eventJson';
import type { EventStore } from './eventStore';
import { graphError, json, type SimResponse } from './exchange';
import { type GraphContext, mailboxOwner } from './graphContext';
import { preferenceApplied, preferencesOf } from './preferences';

const DEFAULT_PAGE_SIZE = 10;

interface SyncState {
  userId: string;
  windowStartMs: number;
  windowEndMs: number;
  zoneLabel: string | undefined;
  /** From the request that opened the sync; a later request's own Prefer header wins. */
  pageSize: number;
  /** Store sequence when the round that produced this state started. */
  sequence: number;
  /** Item id → its JSON as last reported, to tell what changed. */
  known: Map<string, string>;
  /** Set once expired: what its token is answered with from then on. */
  expiredAs: DeltaExpiry | undefined;
}

interface Round {
  items: Array<Record<string, unknown>>;
  next: SyncState;
  expiredAs: DeltaExpiry | undefined;
}

export interface CalendarViewDelta {
  handle(context: GraphContext, userSegment: string): SimResponse;
  expireTokens(userId?: string, answer?: DeltaExpiry): void;
}

/**
 * How Graph answers an expired delta token: "a 40X-series error with error
 * codes such as syncStateNotFound"
 * (https://learn.microsoft.com/graph/delta-query-overview#token-duration);
 * the codes are listed in https://learn.microsoft.com/graph/errors#code-property
 * (resyncRequired, syncStateInvalid, syncStateNotFound) and real services spell
 * them in other cases too. The default is the 410 `syncStateNotFound` seen most.
 */
export interface DeltaExpiry {
  status: 400 | 404 | 409 | 410;
  code: string;
}

const SYNC_STATE_NOT_FOUND: DeltaExpiry = { status: 410, code: 'syncStateNotFound' };

const token = () => randomBytes(18).toString('base64url');

function expiredToken(answer: DeltaExpiry = SYNC_STATE_NOT_FOUND): SimResponse {
  return graphError(
    answer.status,
    answer.code,
    'The sync state generation is not found or has expired. Please start a new sync round without a token.',
  );
}

export function queryValue(query: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of query) if (key.toLowerCase() === name.toLowerCase()) return value;
  return undefined;
}

export function parseInstant(value: string): number {
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
}

/**
 * The `startDateTime` / `endDateTime` window that calendarView and
 * event instances both require, or Graph's 400 for a missing or backward one.
 */
export function requestedWindow(
  query: URLSearchParams,
): { ok: true; startMs: number; endMs: number } | { ok: false; response: SimResponse } {
  const start = queryValue(query, 'startDateTime');
  const end = queryValue(query, 'endDateTime');
  if (!start || !end) {
    return {
      ok: false,
      response: graphError(
        400,
        'ErrorInvalidParameter',
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      ),
    };
  }
  const startMs = parseInstant(start);
  const endMs = parseInstant(end);
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs) {
    return {
      ok: false,
      response: graphError(
        400,
        'ErrorInvalidParameter',
        'The parameters StartDateTime and EndDateTime are not a valid time window.',
      ),
    };
  }
  return { ok: true, startMs, endMs };
}

export function createCalendarViewDelta(store: EventStore): CalendarViewDelta {
  const states = new Map<string, SyncState>();
  const pages = new Map<string, { round: Round; cursor: number }>();

  const startRound = (
    userId: string,
    mailboxZone: string,
    previous: Omit<SyncState, 'known'> & { known?: Map<string, string> },
  ): Round => {
    const instances = store.instancesInWindow(
      userId,
      previous.windowStartMs,
      previous.windowEndMs,
      mailboxZone,
    );
    const current = new Map<string, { item: Record<string, unknown>; text: string }>();
    for (const instance of instances) {
      const item = deltaItemJson(instance, previous.zoneLabel);
      current.set(String(item.id), { item, text: JSON.stringify(item) });
    }
    const items: Array<Record<string, unknown>> = [];
    for (const [id, { item, text }] of current) {
      if (previous.known?.get(id) !== text) items.push(item);
    }
    if (previous.known) {
      const removed = new Set<string>();
      for (const id of previous.known.keys()) if (!current.has(id)) removed.add(id);
      // Graph also reports changes outside the window as removals; clients filter by their window.
      for (const id of store.idsChangedSince(userId, previous.sequence))
        if (!current.has(id)) removed.add(id);
      for (const id of removed)
        items.push({ '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } });
    }
    const next: SyncState = {
      userId,
      windowStartMs: previous.windowStartMs,
      windowEndMs: previous.windowEndMs,
      zoneLabel: previous.zoneLabel,
      pageSize: previous.pageSize,
      sequence: store.sequence(),
      known: new Map([...current].map(([id, { text }]) => [id, text])),
      expiredAs: undefined,
    };
    return { items, next, expiredAs: undefined };
  };

  const page = (context: GraphContext, userSegment: string, round: Round, cursor: number): SimResponse => {
    const preferences = preferencesOf(context.request);
    const size = Math.max(1, preferences.maxPageSize ?? round.next.pageSize);
    const value = round.items.slice(cursor, cursor + size);
    const base = `${context.graphBaseUrl}/users/${encodeURIComponent(userSegment)}/calendarView/delta`;
    const link: Record<string, string> = {};
    if (cursor + size < round.items.length) {
      const skipToken = token();
      pages.set(skipToken, { round, cursor: cursor + size });
      link['@odata.nextLink'] = `${base}?$skiptoken=${skipToken}`;
    } else {
      const deltaToken = token();
      states.set(deltaToken, round.next);
      link['@odata.deltaLink'] = `${base}?$deltatoken=${deltaToken}`;
    }
    return json(
      200,
      { '@odata.context': `${context.graphBaseUrl}/$metadata#Collection(event)`, ...link, value },
      preferenceApplied(preferences),
    );
  };

  return {
    handle(context, userSegment) {
      const owner = mailboxOwner(context, userSegment);
      if (!owner.ok) return owner.response;
      const { user } = owner;
      const { query } = context.request;

      const skipToken = queryValue(query, '$skiptoken');
      if (skipToken !== undefined) {
        const found = pages.get(skipToken);
        if (!found || found.round.next.userId !== user.id) return expiredToken();
        if (found.round.expiredAs) return expiredToken(found.round.expiredAs);
        return page(context, userSegment, found.round, found.cursor);
      }

      const deltaToken = queryValue(query, '$deltatoken');
      if (deltaToken !== undefined) {
        const state = states.get(deltaToken);
        if (!state || state.userId !== user.id) return expiredToken();
        if (state.expiredAs) return expiredToken(state.expiredAs);
        const round = startRound(user.id, user.timeZone, state);
        return page(context, userSegment, round, 0);
      }

      const window = requestedWindow(query);
      if (!window.ok) return window.response;
      const { startMs: windowStartMs, endMs: windowEndMs } = window;
      const round = startRound(user.id, user.timeZone, {
        userId: user.id,
        windowStartMs,
        windowEndMs,
        zoneLabel: preferencesOf(context.request).timeZone,
        pageSize: preferencesOf(context.request).maxPageSize ?? DEFAULT_PAGE_SIZE,
        sequence: store.sequence(),
        expiredAs: undefined,
      });
      return page(context, userSegment, round, 0);
    },

    expireTokens(userId, answer = SYNC_STATE_NOT_FOUND) {
      for (const state of states.values()) if (!userId || state.userId === userId) state.expiredAs = answer;
      for (const { round } of pages.values())
        if (!userId || round.next.userId === userId) round.expiredAs = answer;
    },
  };
}
