// The one place that talks to ews-javascript-api (the EWS Managed API's
// port): it reads one mailbox's calendar window with FindItem + CalendarView
// and hands back plain typed items, so the library's classes and enums stay
// in this file. Every request carries RequestServerVersion (the library writes
// it from the ExchangeService's version); impersonation puts the mailbox in
// ExchangeImpersonation/ConnectingSID/SmtpAddress, folder-permission mode
// addresses the mailbox's DistinguishedFolderId "calendar" with a Mailbox.
//
// CalendarView has no offset paging: when more items than MaxEntriesReturned
// fall in the window, Exchange returns the first ones and
// IncludesLastItemInRange="false"; the caller moves StartDate to the last
// returned item's start and asks again (MicrosoftDocs/office-developer-exchange-docs,
// docs/exchange-web-services/how-to-get-appointments-and-meetings-by-using-ews-in-exchange.md,
// docs/web-service-reference/calendarview.md). Items met twice are kept once.
import { XhrApi } from '@ewsjs/xhr';
import {
  type Appointment,
  AppointmentSchema,
  AppointmentType,
  BasePropertySet,
  CalendarView,
  ConnectingIdType,
  DateTime,
  ExchangeCredentials,
  ExchangeService,
  ExchangeVersion,
  FolderId,
  ImpersonatedUserId,
  LegacyFreeBusyStatus,
  Mailbox,
  MeetingResponseType,
  PropertySet,
  Sensitivity,
  ServiceError,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';

export type EwsAuthentication = 'basic' | 'ntlm';
export type EwsAccessMode = 'impersonation' | 'folderPermission';

export interface EwsConnection {
  /** https://…/EWS/Exchange.asmx */
  url: string;
  /** UPN or DOMAIN\user */
  userName: string;
  password: string;
  authentication: EwsAuthentication;
  accessMode: EwsAccessMode;
}

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

/** Why Exchange would not answer, in the words the sync will need. */
export type EwsFailureKind =
  | 'credentialsRejected'
  | 'impersonationDenied'
  | 'accessDenied'
  /** ErrorServerBusy: come back after `retryAfterSeconds`, as with Graph's 429. */
  | 'throttled'
  | 'failed';

export class EwsFailure extends Error {
  constructor(
    readonly kind: EwsFailureKind,
    readonly code: string,
    message: string,
    /** For `throttled`: Exchange's BackOffMilliseconds in whole seconds, or a default when it gave none. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'EwsFailure';
  }
}

const PAGE_SIZE = 100;

/**
 * The library refuses to send without Credentials ("Credentials are required
 * to make a service request"), and WebCredentials would write a Basic header
 * with the password. Under NTLM the XHR provider does the handshake itself,
 * so the service gets credentials that write nothing.
 */
class HandshakeCredentials extends ExchangeCredentials {
  override PrepareWebRequest(): void {}
}

/** The library's service for one mailbox, impersonated or not: the reader's and the push subscription's. */
export function serviceFor(connection: EwsConnection, mailbox: string): ExchangeService {
  const service = new ExchangeService(ExchangeVersion.Exchange2016);
  service.Url = new Uri(connection.url);
  const xhr = new XhrApi({ rejectUnauthorized: true });
  if (connection.authentication === 'ntlm') {
    service.XHRApi = xhr.useNtlmAuthentication(connection.userName, connection.password);
    service.Credentials = new HandshakeCredentials();
  } else {
    service.XHRApi = xhr;
    service.Credentials = new WebCredentials(connection.userName, connection.password);
  }
  if (connection.accessMode === 'impersonation') {
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
  }
  return service;
}

/** The library's error as the failure the callers act on. */
export function failureOf(error: unknown): EwsFailure {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  if (fields.HttpStatusCode === 401)
    return new EwsFailure('credentialsRejected', 'Unauthorized', 'Exchange refused the credentials');
  // A response message's ServiceResponseException carries ErrorCode; a SOAP fault's SoapFaultDetails
  // carries the detail's ResponseCode (responseCode) and leaves errorCode at NoError.
  const code =
    [fields.ErrorCode, fields.responseCode, fields.errorCode]
      .map((value) => (typeof value === 'number' ? ServiceError[value] : undefined))
      .find((name) => name !== undefined && name !== 'NoError') ?? 'unknown';
  const message =
    error instanceof Error ? error.message : typeof fields.message === 'string' ? fields.message : code;
  if (code === 'ErrorImpersonateUserDenied') return new EwsFailure('impersonationDenied', code, message);
  if (code === 'ErrorAccessDenied') return new EwsFailure('accessDenied', code, message);
  if (code === 'ErrorServerBusy') return new EwsFailure('throttled', code, message, backOffSeconds(fields));
  return new EwsFailure('failed', code, message);
}

/** Without a hint from Exchange (it does not always send one), the wait a Graph 503 without Retry-After gets. */
const DEFAULT_BACK_OFF_SECONDS = 30;

/**
 * The fault's MessageXml value BackOffMilliseconds, which the library keeps
 * in the SOAP fault's `errorDetails` dictionary
 * (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange).
 */
function backOffSeconds(fields: Record<string, unknown>): number {
  const details = fields.errorDetails as { get?: (key: string) => unknown } | undefined;
  const raw = typeof details?.get === 'function' ? details.get('BackOffMilliseconds') : undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : DEFAULT_BACK_OFF_SECONDS;
}

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
