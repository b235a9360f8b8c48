// Reads one mailbox's calendar window through ews-javascript-api (the EWS
// Managed API's port) with FindItem + CalendarView and hands back plain
// typed items, so the library's item classes and enums stay in this file;
// the service and its failures are ewsService.ts'. Every request carries
// RequestServerVersion (the library writes it from the ExchangeService's
// version); impersonation puts the mailbox in
// ExchangeImpersonation/ConnectingSID/SmtpAddress, folder-permission mode
// addresses the mailbox's DistinguishedFolderId "calendar" with a Mailbox.
//
// CalendarView has no offset paging: when more items than MaxEntriesReturned
// fall in the window, Exchange returns the first ones and
// IncludesLastItemInRange="false"; the caller moves StartDate to the last
// returned item's start and asks again (MicrosoftDocs/office-developer-exchange-docs,
// docs/exchange-web-services/how-to-get-appointments-and-meetings-by-using-ews-in-exchange.md,
// docs/web-service-reference/calendarview.md). Items met twice are kept once.
import {
  type Appointment,
  AppointmentSchema,
  AppointmentType,
  BasePropertySet,
  CalendarView,
  DateTime,
  FolderId,
  LegacyFreeBusyStatus,
  Mailbox,
  MeetingResponseType,
  PropertySet,
  Sensitivity,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { type EwsConnection, failureOf, serviceFor } from './ewsService';

export type { EwsAccessMode, EwsAuthentication, EwsConnection, EwsFailureKind } from './ewsService';
export { EwsFailure } from './ewsService';

export type EwsFreeBusy = 'Free' | 'Tentative' | 'Busy' | 'OOF' | 'WorkingElsewhere' | 'NoData';
export type EwsSensitivity = 'Normal' | 'Personal' | 'Private' | 'Confidential';
/** CalendarView expands series, so RecurringMaster does not come back from it. */
export type EwsItemType = 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';
export type EwsResponseType =
  | 'Unknown'
  | 'Organizer'
  | 'Tentative'
  | 'Accept'
  | 'Decline'
  | 'NoResponseReceived';

export interface EwsCalendarItem {
  itemId: string;
  changeKey: string;
  itemType: EwsItemType;
  subject: string;
  /** UTC instants, ISO 8601 */
  start: string;
  end: string;
  freeBusy: EwsFreeBusy;
  sensitivity: EwsSensitivity;
  categories: string[];
  isAllDay: boolean;
  isCancelled: boolean;
  myResponse: EwsResponseType;
  /**
   * The item's UID (calendar:UID), which a series' master, occurrences and
   * exceptions share (docs/web-service-reference/recurrenceid.md). FindItem's
   * AllProperties leaves it out, so the view asks for it by name.
   */
  iCalUid?: string;
}

const PAGE_SIZE = 100;

function itemOf(appointment: Appointment): EwsCalendarItem {
  return {
    itemId: appointment.Id.UniqueId,
    changeKey: appointment.Id.ChangeKey,
    itemType: AppointmentType[appointment.AppointmentType] as EwsItemType,
    subject: appointment.Subject ?? '',
    start: appointment.Start.ToISOString(),
    end: appointment.End.ToISOString(),
    freeBusy: LegacyFreeBusyStatus[appointment.LegacyFreeBusyStatus] as EwsFreeBusy,
    sensitivity: Sensitivity[appointment.Sensitivity] as EwsSensitivity,
    categories: appointment.Categories ? [...appointment.Categories.GetEnumerator()] : [],
    isAllDay: appointment.IsAllDayEvent === true,
    isCancelled: appointment.IsCancelled === true,
    myResponse: MeetingResponseType[appointment.MyResponseType] as EwsResponseType,
    ...(appointment.ICalUid ? { iCalUid: appointment.ICalUid } : {}),
  };
}

/** Every item of the mailbox's calendar that overlaps [start, end), recurrences expanded by Exchange. */
export async function readCalendarView(
  connection: EwsConnection,
  mailbox: string,
  window: { start: string; end: string },
  pageSize = PAGE_SIZE,
  /** Told of every FindItem request, so the benchmarks can count them. */
  onRequest?: () => void,
): Promise<EwsCalendarItem[]> {
  const service = serviceFor(connection, mailbox);
  const folder =
    connection.accessMode === 'folderPermission'
      ? new FolderId(WellKnownFolderName.Calendar, new Mailbox(mailbox))
      : new FolderId(WellKnownFolderName.Calendar);
  const items = new Map<string, EwsCalendarItem>();
  let start = window.start;
  for (;;) {
    const view = new CalendarView(DateTime.Parse(start), DateTime.Parse(window.end), pageSize);
    view.PropertySet = new PropertySet(BasePropertySet.FirstClassProperties, [AppointmentSchema.ICalUid]);
    onRequest?.();
    const page = await service.FindAppointments(folder, view).catch((error: unknown) => {
      throw failureOf(error);
    });
    const found = page.Items.map(itemOf);
    for (const item of found) items.set(item.itemId, item);
    const last = found.at(-1);
    // A full page whose last item starts where we started would loop forever; Exchange pages by start time too.
    if (!page.MoreAvailable || last === undefined || last.start === start) break;
    start = last.start;
  }
  return [...items.values()];
}
