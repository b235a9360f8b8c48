import { type EventInstance, type EventProps, type Found, renderTimes, type StoredEvent } from './eventStore';
import type { Timing } from './eventTiming';
import type { Recurrence } from './eventWrites';

/** The event resource as Graph v1.0 returns it (the properties this project reads, plus their neighbours). */
export interface GraphEvent {
  '@odata.etag': string;
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  categories: string[];
  originalStartTimeZone: string;
  originalEndTimeZone: string;
  subject: string;
  bodyPreview: string;
  body: { contentType: string; content: string };
  location: { displayName: string; locationType: 'default' };
  /** Null unless the creating client set one. */
  transactionId: string | null;
  isAllDay: boolean;
  isCancelled: boolean;
  sensitivity: EventProps['sensitivity'];
  showAs: EventProps['showAs'];
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  seriesMasterId: string | null;
  responseStatus: { response: string; time: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  recurrence: GraphRecurrence | null;
}

export interface GraphRecurrence {
  pattern: {
    type: string;
    interval: number;
    month: number;
    dayOfMonth: number;
    daysOfWeek: string[];
    firstDayOfWeek: string;
    index: string;
  };
  range: {
    type: string;
    startDate: string;
    endDate: string;
    recurrenceTimeZone: string;
    numberOfOccurrences: number;
  };
}

export const etagOf = (changeKey: string) => `W/"${changeKey}"`;
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '0000Z');

function zoneLabels(timing: Timing): { originalStartTimeZone: string; originalEndTimeZone: string } {
  return timing.kind === 'allDay'
    ? { originalStartTimeZone: timing.zone, originalEndTimeZone: timing.zone }
    : { originalStartTimeZone: timing.startZone, originalEndTimeZone: timing.endZone };
}

function recurrenceJson(recurrence: Recurrence, timing: Timing): GraphRecurrence {
  const { pattern, range } = recurrence;
  return {
    pattern: {
      type: pattern.type,
      interval: pattern.interval,
      month: 0,
      dayOfMonth: 0,
      daysOfWeek: pattern.daysOfWeek ?? [],
      firstDayOfWeek: pattern.firstDayOfWeek,
      index: 'first',
    },
    range: {
      type: range.type,
      startDate: range.startDate,
      endDate: range.type === 'endDate' ? range.endDate : '0001-01-01',
      recurrenceTimeZone: range.recurrenceTimeZone ?? zoneLabels(timing).originalStartTimeZone,
      numberOfOccurrences: range.type === 'numbered' ? range.numberOfOccurrences : 0,
    },
  };
}

function eventJson(
  id: string,
  type: GraphEvent['type'],
  seriesMasterId: string | null,
  props: EventProps,
  timing: Timing,
  revision: { changeKey: string; createdMs: number; modifiedMs: number },
  recurrence: GraphRecurrence | null,
  zoneLabel: string | undefined,
  transactionId: string | undefined,
): GraphEvent {
  return {
    '@odata.etag': etagOf(revision.changeKey),
    id,
    createdDateTime: iso(revision.createdMs),
    lastModifiedDateTime: iso(revision.modifiedMs),
    changeKey: revision.changeKey,
    categories: [...props.categories],
    ...zoneLabels(timing),
    subject: props.subject,
    bodyPreview: props.body.content.slice(0, 255),
    body: { ...props.body },
    location: { displayName: props.location, locationType: 'default' },
    transactionId: transactionId ?? null,
    isAllDay: timing.kind === 'allDay',
    isCancelled: props.isCancelled,
    sensitivity: props.sensitivity,
    showAs: props.showAs,
    type,
    seriesMasterId,
    responseStatus: { ...props.responseStatus },
    ...renderTimes(timing, zoneLabel),
    recurrence,
  };
}

export function storedEventJson(event: StoredEvent, zoneLabel: string | undefined): GraphEvent {
  return eventJson(
    event.id,
    event.recurrence ? 'seriesMaster' : 'singleInstance',
    null,
    event.props,
    event.timing,
    event,
    event.recurrence ? recurrenceJson(event.recurrence, event.timing) : null,
    zoneLabel,
    event.transactionId,
  );
}

/** GET of any event id, occurrences included: Graph returns occurrences with all their properties here. */
export function foundJson(found: Found, zoneLabel: string | undefined): GraphEvent {
  if (found.kind === 'event') return storedEventJson(found.event, zoneLabel);
  const { instance } = found;
  if (instance.kind === 'exception') {
    const { record, master } = instance;
    return eventJson(
      instance.id,
      'exception',
      master.id,
      record.props,
      record.timing,
      record,
      null,
      zoneLabel,
      undefined,
    );
  }
  const { master } = instance;
  return eventJson(
    instance.id,
    'occurrence',
    master.id,
    master.props,
    instance.timing,
    master,
    null,
    zoneLabel,
    undefined,
  );
}

/**
 * An item of calendarView/delta. Occurrences come with only their identity
 * and times, as real Graph sends them; everything else is on the series
 * master. Their etag is the master's, so a change to the master shows them
 * as changed again.
 */
export function deltaItemJson(
  instance: EventInstance,
  zoneLabel: string | undefined,
): Record<string, unknown> {
  switch (instance.kind) {
    case 'singleInstance':
      return { '@odata.type': '#microsoft.graph.event', ...storedEventJson(instance.event, zoneLabel) };
    case 'exception':
      return {
        '@odata.type': '#microsoft.graph.event',
        ...foundJson({ kind: 'occurrence', instance }, zoneLabel),
      };
    case 'occurrence':
      return {
        '@odata.type': '#microsoft.graph.event',
        '@odata.etag': etagOf(instance.master.changeKey),
        id: instance.id,
        type: 'occurrence',
        seriesMasterId: instance.master.id,
        ...renderTimes(instance.timing, zoneLabel),
      };
  }
}
