// FindItem with a CalendarView over one mailbox's calendar, as Exchange 2016
// answers it (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/finditem-operation.md and
// docs/web-service-reference/calendarview.md): items overlapping
// [StartDate, EndDate) by start time; at most MaxEntriesReturned of them,
// with RootFolder TotalItemsInView and IncludesLastItemInRange="false" when
// the view was cut short. Who may read which calendar is decided by the
// caller (ewsAccess.ts); this file only reads and writes XML.
//
// The AllProperties shape of a FindItem has no UID or RecurrenceId
// (docs/exchange-web-services/property-sets-and-response-shapes-in-ews-in-exchange.md,
// table 4), so they come back only when the request names them in
// AdditionalProperties (calendar:UID, calendar:RecurrenceId). Elements are
// written in the order of the CalendarItem schema (docs/web-service-reference/calendaritem.md).
import type { CalendarViewItem, EwsCalendarStore } from './ewsCalendarStore';
import { errorResponse, type SoapAnswer } from './soapFaults';
import {
  escapeXml,
  firstChild,
  MESSAGES_NS,
  soapEnvelope,
  TYPES_NS,
  textOf,
  type XmlElement,
} from './soapXml';

export interface CalendarViewRequest {
  start: string;
  end: string;
  maxEntries: number | undefined;
  /** Id of the DistinguishedFolderId, e.g. "calendar"; undefined for a FolderId. */
  distinguishedId: string | undefined;
  /** The DistinguishedFolderId's Mailbox/EmailAddress, when it names another mailbox. */
  mailbox: string | undefined;
  /** FieldURIs of ItemShape/AdditionalProperties, e.g. calendar:UID. */
  additionalFields: Set<string>;
}

/** undefined when the FindItem has no usable CalendarView. */
export function readCalendarViewRequest(operation: XmlElement): CalendarViewRequest | undefined {
  const view = firstChild(operation, 'CalendarView');
  const start = view?.attributes.StartDate;
  const end = view?.attributes.EndDate;
  if (!view || !start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)))
    return undefined;
  const maxText = view.attributes.MaxEntriesReturned;
  const folder = firstChild(firstChild(operation, 'ParentFolderIds'), 'DistinguishedFolderId');
  return {
    start,
    end,
    maxEntries: maxText ? Number.parseInt(maxText, 10) : undefined,
    distinguishedId: folder?.attributes.Id ?? undefined,
    mailbox: textOf(firstChild(firstChild(folder, 'Mailbox'), 'EmailAddress')),
    additionalFields: new Set(
      (firstChild(firstChild(operation, 'ItemShape'), 'AdditionalProperties')?.children ?? [])
        .filter((child) => child.name === 'FieldURI')
        .map((child) => child.attributes.FieldURI ?? ''),
    ),
  };
}

const utc = (instant: string) => new Date(instant).toISOString().replace('.000Z', 'Z');

function calendarItemXml(item: CalendarViewItem, fields: Set<string>): string {
  const categories =
    item.categories.length === 0
      ? ''
      : `<t:Categories>${item.categories.map((name) => `<t:String>${escapeXml(name)}</t:String>`).join('')}</t:Categories>`;
  const uid = fields.has('calendar:UID') ? `<t:UID>${escapeXml(item.uid)}</t:UID>` : '';
  const recurrenceId =
    item.itemType !== 'Single' && fields.has('calendar:RecurrenceId')
      ? `<t:RecurrenceId>${utc(item.recurrenceId)}</t:RecurrenceId>`
      : '';
  return (
    `<t:CalendarItem><t:ItemId Id="${escapeXml(item.itemId)}" ChangeKey="${escapeXml(item.changeKey)}"/>` +
    `<t:Subject>${escapeXml(item.subject)}</t:Subject><t:Sensitivity>${item.sensitivity}</t:Sensitivity>${categories}` +
    `${uid}${recurrenceId}<t:Start>${utc(item.start)}</t:Start><t:End>${utc(item.end)}</t:End>` +
    `<t:IsAllDayEvent>${item.isAllDay}</t:IsAllDayEvent><t:LegacyFreeBusyStatus>${item.freeBusy}</t:LegacyFreeBusyStatus>` +
    `<t:IsCancelled>${item.isCancelled}</t:IsCancelled><t:IsRecurring>${item.itemType !== 'Single'}</t:IsRecurring>` +
    `<t:CalendarItemType>${item.itemType}</t:CalendarItemType>` +
    `<t:MyResponseType>${item.myResponse}</t:MyResponseType></t:CalendarItem>`
  );
}

export function answerCalendarView(
  store: EwsCalendarStore,
  mailbox: string,
  request: CalendarViewRequest,
): SoapAnswer {
  if (request.distinguishedId !== 'calendar') {
    // Only the Calendar folder is simulated; a FolderId or another folder is a later step.
    return errorResponse(
      'FindItem',
      'ErrorFolderNotFound',
      'The specified folder could not be found in the store.',
    );
  }
  if (Date.parse(request.end) <= Date.parse(request.start)) {
    return errorResponse(
      'FindItem',
      'ErrorCalendarEndDateIsEarlierThanStartDate',
      'EndDate is earlier than StartDate',
    );
  }
  const all = store.overlapping(mailbox, request.start, request.end);
  const page = request.maxEntries === undefined ? all : all.slice(0, request.maxEntries);
  const body =
    `<m:FindItemResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>` +
    `<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
    `<m:RootFolder TotalItemsInView="${all.length}" IncludesLastItemInRange="${page.length === all.length}">` +
    `<t:Items>${page.map((item) => calendarItemXml(item, request.additionalFields)).join('')}</t:Items></m:RootFolder>` +
    `</m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>`;
  return { status: 200, body: soapEnvelope(body) };
}
