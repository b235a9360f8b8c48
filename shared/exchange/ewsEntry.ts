// The one reading of an EWS calendar item (as ewsCalendarReader.ts returns it)
// as a CalendarEntry, the EWS counterpart of shared/graph/graphEvent.ts, so
// the rules see Exchange Server items exactly as they see Graph events.
//
// EWS's values (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/legacyfreebusystatus.md, sensitivity.md,
// myresponsetype.md, calendaritemtype.md) map onto Graph's words:
// - LegacyFreeBusyStatus Free, Tentative, Busy, OOF, WorkingElsewhere as
//   free, tentative, busy, oof, workingElsewhere; NoData as unknown (Graph's
//   word for the same "no information").
// - MyResponseType Unknown → none, Organizer → organizer, Tentative →
//   tentativelyAccepted, Accept → accepted, Decline → declined,
//   NoResponseReceived → notResponded.
// - CalendarItemType Single → singleInstance, Occurrence → occurrence,
//   Exception → exception, RecurringMaster → seriesMaster.
// - Occurrences and exceptions carry their series as seriesMasterId. Graph
//   gives the master's id there; a CalendarView gives no way to the master's
//   ItemId without a GetItem per series (RecurringMasterItemId is a request
//   id only), so the series' UID, which the master and all its instances
//   share and nothing else in the mailbox has, names the series instead.
// - All-day items: EWS gives Start and End as the instants of midnight in the
//   mailbox's zone, so the floating dates are the dates those instants fall
//   on in that zone; End stays exclusive, as Graph's endDate is.
import type { CalendarEntry, EntryKind, EntryTiming, ResponseStatus, ShowAs } from '../domain/calendarEntry';
import { wallClockAt } from '../domain/rules/zonedTime';
import type { EwsCalendarItem, EwsFreeBusy, EwsItemType, EwsResponseType } from './ewsCalendarReader';

const SHOW_AS: Record<EwsFreeBusy, ShowAs> = {
  Free: 'free',
  Tentative: 'tentative',
  Busy: 'busy',
  OOF: 'oof',
  WorkingElsewhere: 'workingElsewhere',
  NoData: 'unknown',
};

const RESPONSE: Record<EwsResponseType, ResponseStatus> = {
  Unknown: 'none',
  Organizer: 'organizer',
  Tentative: 'tentativelyAccepted',
  Accept: 'accepted',
  Decline: 'declined',
  NoResponseReceived: 'notResponded',
};

const KIND: Record<EwsItemType, EntryKind> = {
  Single: 'singleInstance',
  Occurrence: 'occurrence',
  Exception: 'exception',
  RecurringMaster: 'seriesMaster',
};

function localDate(instant: string, timeZone: string): string {
  const wall = wallClockAt(Date.parse(instant), timeZone);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(wall.year, 4)}-${pad(wall.month, 2)}-${pad(wall.day, 2)}`;
}

function timingOf(item: EwsCalendarItem, mailboxTimeZone: string): EntryTiming {
  if (item.isAllDay) {
    return {
      kind: 'allDay',
      startDate: localDate(item.start, mailboxTimeZone),
      endDate: localDate(item.end, mailboxTimeZone),
    };
  }
  return { kind: 'timed', start: new Date(item.start).toISOString(), end: new Date(item.end).toISOString() };
}

/** `mailboxTimeZone` is an IANA zone, the one the mailbox's all-day items are placed in. */
export function entryFromEwsItem(item: EwsCalendarItem, mailboxTimeZone: string): CalendarEntry {
  const kind = KIND[item.itemType] ?? 'singleInstance';
  const inSeries = kind === 'occurrence' || kind === 'exception';
  return {
    id: item.itemId,
    kind,
    ...(inSeries && item.iCalUid ? { seriesMasterId: item.iCalUid } : {}),
    subject: item.subject,
    // A value a later Exchange adds reads as busy, as graphEvent.ts does with Graph's.
    showAs: SHOW_AS[item.freeBusy] ?? 'busy',
    // Privacy fails closed on a value we do not know.
    sensitivity:
      item.sensitivity === 'Normal' || item.sensitivity === 'Personal' || item.sensitivity === 'Confidential'
        ? (item.sensitivity.toLowerCase() as 'normal' | 'personal' | 'confidential')
        : 'private',
    categories: [...item.categories],
    isCancelled: item.isCancelled,
    responseStatus: RESPONSE[item.myResponse] ?? 'none',
    timing: timingOf(item, mailboxTimeZone),
  };
}
