// Every mailbox's events: single instances and series masters, with each
// series' exceptions and deleted occurrences. Occurrences are never stored;
// they are expanded from the master when a calendar view asks for them.

import { randomBytes } from 'node:crypto';
import { instantsOf, overlapsWindow, type Timing, timingFrom, timingOnDate } from './eventTiming';
import type { EventCreate, EventPatch, Recurrence } from './eventWrites';
import { occurrenceDates } from './recurrence';
import { addDays, resolveZone, wallClockAt } from './wallClock';

export interface EventProps {
  subject: string;
  location: string;
  body: { contentType: 'text' | 'html'; content: string };
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  categories: string[];
  isCancelled: boolean;
  responseStatus: { response: string; time: string };
}

interface Revision {
  changeKey: string;
  createdMs: number;
  modifiedMs: number;
}

export interface ExceptionRecord extends Revision {
  props: EventProps;
  timing: Timing;
}

export interface StoredEvent extends Revision {
  id: string;
  userId: string;
  props: EventProps;
  timing: Timing;
  recurrence: Recurrence | null;
  exceptions: Map<string, ExceptionRecord>;
  deletedDates: Set<string>;
  /** Set by the client that created the event, to make a retried POST harmless. */
  transactionId?: string;
}

/** What a calendar view lists: a single instance, or one instance of a series. */
export type EventInstance =
  | { kind: 'singleInstance'; event: StoredEvent }
  | { kind: 'occurrence'; id: string; master: StoredEvent; date: string; timing: Timing }
  | { kind: 'exception'; id: string; master: StoredEvent; date: string; record: ExceptionRecord };

export type Found =
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'occurrence'; instance: Extract<EventInstance, { kind: 'occurrence' | 'exception' }> };

export type ChangeType = 'created' | 'updated' | 'deleted';

export interface EventChange {
  userId: string;
  eventId: string;
  changeType: ChangeType;
  changeKey: string;
}

export type StoreResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string };

export interface EventStore {
  create(userId: string, input: EventCreate): StoreResult<StoredEvent>;
  find(userId: string, id: string): Found | undefined;
  update(userId: string, id: string, patch: EventPatch): StoreResult<Found>;
  remove(userId: string, id: string): StoreResult<void>;
  instancesInWindow(
    userId: string,
    windowStartMs: number,
    windowEndMs: number,
    mailboxZone: string,
  ): EventInstance[];
  /** Ids of single instances and occurrences written since `sequence`, for delta's out-of-window rule; series masters are never calendar-view items. */
  idsChangedSince(userId: string, sequence: number): Set<string>;
  sequence(): number;
  onChange(listener: (change: EventChange) => void): void;
}

const notFound = <T>(): StoreResult<T> => ({
  ok: false,
  status: 404,
  code: 'ErrorItemNotFound',
  message: 'The specified object was not found in the store.',
});

export function newEventId(): string {
  return `AAMkAG${randomBytes(30).toString('base64url').replace(/_/g, '-')}AAA=`;
}

function newRevision(nowMs: number, createdMs = nowMs): Revision {
  return { changeKey: randomBytes(12).toString('base64'), createdMs, modifiedMs: nowMs };
}

export function occurrenceId(masterId: string, date: string): string {
  return `${masterId}_${date.replace(/-/g, '')}`;
}

function parseOccurrenceId(id: string): { masterId: string; date: string } | undefined {
  const match = /^(.+)_(\d{4})(\d{2})(\d{2})$/.exec(id);
  if (!match?.[1]) return undefined;
  return { masterId: match[1], date: `${match[2]}-${match[3]}-${match[4]}` };
}

/** Original dates of a series that exist (not deleted), up to `untilDate`. */
function seriesDates(master: StoredEvent, untilDate: string): string[] {
  if (!master.recurrence) return [];
  return occurrenceDates(master.recurrence, untilDate).filter((d) => !master.deletedDates.has(d));
}

function isSeriesDate(master: StoredEvent, date: string): boolean {
  return seriesDates(master, date).at(-1) === date;
}

export function createEventStore(now: () => Date): EventStore {
  const byUser = new Map<string, Map<string, StoredEvent>>();
  const changeLogs = new Map<string, Array<{ sequence: number; id: string; isSeries: boolean }>>();
  const listeners: Array<(change: EventChange) => void> = [];
  let sequence = 0;

  const eventsOf = (userId: string) => {
    let events = byUser.get(userId);
    if (!events) {
      events = new Map();
      byUser.set(userId, events);
    }
    return events;
  };

  const record = (
    userId: string,
    id: string,
    changeType: ChangeType,
    changeKey: string,
    isSeries = false,
  ) => {
    sequence += 1;
    const log = changeLogs.get(userId) ?? [];
    log.push({ sequence, id, isSeries });
    changeLogs.set(userId, log);
    for (const listener of listeners) listener({ userId, eventId: id, changeType, changeKey });
  };

  const findInstance = (userId: string, id: string): Found | undefined => {
    const direct = eventsOf(userId).get(id);
    if (direct) return { kind: 'event', event: direct };
    const parsed = parseOccurrenceId(id);
    if (!parsed) return undefined;
    const master = eventsOf(userId).get(parsed.masterId);
    if (!master?.recurrence || !isSeriesDate(master, parsed.date)) return undefined;
    const exception = master.exceptions.get(parsed.date);
    if (exception)
      return {
        kind: 'occurrence',
        instance: { kind: 'exception', id, master, date: parsed.date, record: exception },
      };
    return {
      kind: 'occurrence',
      instance: {
        kind: 'occurrence',
        id,
        master,
        date: parsed.date,
        timing: timingOnDate(master.timing, parsed.date),
      },
    };
  };

  return {
    create(userId, input) {
      // A create retried with the same transactionId answers the event made
      // the first time and makes nothing new, as Exchange does: the second
      // POST gets 201 too, with no second event
      // (https://learn.microsoft.com/graph/api/resources/event, transactionId;
      // observed by a Microsoft support engineer: https://blog.rykoma.net/2020/10/05/1559).
      if (input.transactionId) {
        for (const existing of eventsOf(userId).values()) {
          if (existing.transactionId === input.transactionId) return { ok: true, value: existing };
        }
      }
      const isAllDay = input.isAllDay ?? false;
      const timing = timingFrom(input.start, input.end, isAllDay);
      if (!timing.ok) return { ok: false, status: 400, code: timing.code, message: timing.message };
      const nowMs = now().getTime();
      const event: StoredEvent = {
        id: newEventId(),
        userId,
        props: {
          subject: input.subject ?? '',
          location: input.location?.displayName ?? '',
          body: input.body ?? { contentType: 'text', content: '' },
          showAs: input.showAs ?? 'busy',
          sensitivity: input.sensitivity ?? 'normal',
          categories: input.categories ?? [],
          isCancelled: input.isCancelled ?? false,
          responseStatus: {
            response: input.responseStatus?.response ?? 'organizer',
            time: input.responseStatus?.time ?? '0001-01-01T00:00:00Z',
          },
        },
        timing: timing.timing,
        recurrence: input.recurrence ?? null,
        exceptions: new Map(),
        deletedDates: new Set(),
        ...(input.transactionId ? { transactionId: input.transactionId } : {}),
        ...newRevision(nowMs),
      };
      eventsOf(userId).set(event.id, event);
      record(userId, event.id, 'created', event.changeKey, event.recurrence !== null);
      return { ok: true, value: event };
    },

    find: findInstance,

    update(userId, id, patch) {
      const found = findInstance(userId, id);
      if (!found) return notFound();
      const nowMs = now().getTime();
      if (found.kind === 'event') {
        const event = found.event;
        const isAllDay = patch.isAllDay ?? event.timing.kind === 'allDay';
        let timing = event.timing;
        if (patch.start || patch.end || patch.isAllDay !== undefined) {
          const current = renderTimes(event.timing, undefined);
          const result = timingFrom(patch.start ?? current.start, patch.end ?? current.end, isAllDay);
          if (!result.ok) return { ok: false, status: 400, code: result.code, message: result.message };
          timing = result.timing;
        }
        const seriesReshaped =
          patch.recurrence !== undefined || (event.recurrence !== null && timing !== event.timing);
        event.props = mergeProps(event.props, patch);
        event.timing = timing;
        if (patch.recurrence !== undefined) event.recurrence = patch.recurrence;
        if (seriesReshaped) {
          // Outlook drops a series' exceptions when its pattern or times change.
          event.exceptions.clear();
          event.deletedDates.clear();
        }
        Object.assign(event, newRevision(nowMs, event.createdMs));
        record(userId, event.id, 'updated', event.changeKey, event.recurrence !== null);
        return { ok: true, value: found };
      }
      const { instance } = found;
      const before =
        instance.kind === 'exception'
          ? {
              props: instance.record.props,
              timing: instance.record.timing,
              createdMs: instance.record.createdMs,
            }
          : { props: instance.master.props, timing: instance.timing, createdMs: instance.master.createdMs };
      let timing = before.timing;
      if (patch.start || patch.end) {
        const current = renderTimes(before.timing, undefined);
        const result = timingFrom(
          patch.start ?? current.start,
          patch.end ?? current.end,
          timing.kind === 'allDay',
        );
        if (!result.ok) return { ok: false, status: 400, code: result.code, message: result.message };
        timing = result.timing;
      }
      const exception: ExceptionRecord = {
        props: mergeProps(before.props, patch),
        timing,
        ...newRevision(nowMs, before.createdMs),
      };
      instance.master.exceptions.set(instance.date, exception);
      record(userId, instance.id, 'updated', exception.changeKey);
      return {
        ok: true,
        value: {
          kind: 'occurrence',
          instance: {
            kind: 'exception',
            id,
            master: instance.master,
            date: instance.date,
            record: exception,
          },
        },
      };
    },

    remove(userId, id) {
      const found = findInstance(userId, id);
      if (!found) return notFound();
      if (found.kind === 'event') {
        eventsOf(userId).delete(id);
        record(userId, id, 'deleted', found.event.changeKey, found.event.recurrence !== null);
        return { ok: true, value: undefined };
      }
      const { master, date } = found.instance;
      master.exceptions.delete(date);
      master.deletedDates.add(date);
      record(userId, id, 'deleted', master.changeKey);
      return { ok: true, value: undefined };
    },

    instancesInWindow(userId, windowStartMs, windowEndMs, mailboxZone) {
      const instances: EventInstance[] = [];
      // Two days of slack on each side: a date in the series' zone can sit a day off UTC.
      const untilDate = addDays(new Date(windowEndMs).toISOString().slice(0, 10), 2);
      const fits = (timing: Timing) =>
        overlapsWindow(instantsOf(timing, mailboxZone), windowStartMs, windowEndMs);
      for (const event of eventsOf(userId).values()) {
        if (!event.recurrence) {
          if (fits(event.timing)) instances.push({ kind: 'singleInstance', event });
          continue;
        }
        const dates = seriesDates(event, untilDate);
        for (const date of dates) {
          const id = occurrenceId(event.id, date);
          const exception = event.exceptions.get(date);
          if (exception) continue;
          const timing = timingOnDate(event.timing, date);
          if (fits(timing)) instances.push({ kind: 'occurrence', id, master: event, date, timing });
        }
        // Exceptions can be moved far from their original date, so check them on their own.
        for (const [date, exception] of event.exceptions) {
          if (fits(exception.timing)) {
            instances.push({
              kind: 'exception',
              id: occurrenceId(event.id, date),
              master: event,
              date,
              record: exception,
            });
          }
        }
      }
      return instances.sort((a, b) => startOf(a, mailboxZone) - startOf(b, mailboxZone));
    },

    idsChangedSince(userId, since) {
      const ids = new Set<string>();
      const log = changeLogs.get(userId) ?? [];
      // The log is in sequence order: walk back only as far as the baseline.
      for (let i = log.length - 1; i >= 0; i--) {
        const entry = log[i]!;
        if (entry.sequence <= since) break;
        if (!entry.isSeries) ids.add(entry.id);
      }
      return ids;
    },

    sequence: () => sequence,

    onChange(listener) {
      listeners.push(listener);
    },
  };
}

function startOf(instance: EventInstance, mailboxZone: string): number {
  return instantsOf(instanceTiming(instance), mailboxZone).startMs;
}

export function instanceTiming(instance: EventInstance): Timing {
  switch (instance.kind) {
    case 'singleInstance':
      return instance.event.timing;
    case 'occurrence':
      return instance.timing;
    case 'exception':
      return instance.record.timing;
  }
}

function mergeProps(props: EventProps, patch: EventPatch): EventProps {
  return {
    subject: patch.subject ?? props.subject,
    location: patch.location ? patch.location.displayName : props.location,
    body: patch.body ?? props.body,
    showAs: patch.showAs ?? props.showAs,
    sensitivity: patch.sensitivity ?? props.sensitivity,
    categories: patch.categories ?? props.categories,
    isCancelled: patch.isCancelled ?? props.isCancelled,
    responseStatus: patch.responseStatus
      ? {
          response: patch.responseStatus.response,
          time: patch.responseStatus.time ?? props.responseStatus.time,
        }
      : props.responseStatus,
  };
}

/**
 * Start and end as Graph writes them. Timed events are shown in `zoneLabel`
 * (UTC when the client did not ask for a zone, as Graph does). All-day events
 * keep their midnight dates and their own zone label whatever was asked:
 * Graph does not shift floating dates.
 */
export function renderTimes(
  timing: Timing,
  zoneLabel: string | undefined,
): { start: { dateTime: string; timeZone: string }; end: { dateTime: string; timeZone: string } } {
  if (timing.kind === 'allDay') {
    return {
      start: { dateTime: `${timing.startDate}T00:00:00.0000000`, timeZone: timing.zone },
      end: { dateTime: `${timing.endDate}T00:00:00.0000000`, timeZone: timing.zone },
    };
  }
  const zone = resolveZone(zoneLabel ?? 'UTC');
  // A zone Graph does not know falls back to UTC, and says so in the label.
  const label = zone ? (zoneLabel ?? 'UTC') : 'UTC';
  return {
    start: { dateTime: `${wallClockAt(timing.startMs, zone ?? 'UTC')}.0000000`, timeZone: label },
    end: { dateTime: `${wallClockAt(timing.endMs, zone ?? 'UTC')}.0000000`, timeZone: label },
  };
}
