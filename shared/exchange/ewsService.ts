// How this service talks to one Exchange Server: the connection an operator
// gives (URL, account, Basic or NTLM, impersonation or folder permission),
// the ews-javascript-api ExchangeService built from it, and the one reading
// of the library's errors as an EwsFailure. The reader and the name
// resolution share it, so both authenticate and fail alike.
import { XhrApi } from '@ewsjs/xhr';
import {
  ConnectingIdType,
  ExchangeCredentials,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  ServiceError,
  Uri,
  WebCredentials,
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

/**
 * The library refuses to send without Credentials ("Credentials are required
 * to make a service request"), and WebCredentials would write a Basic header
 * with the password. Under NTLM the XHR provider does the handshake itself,
 * so the service gets credentials that write nothing.
 */
class HandshakeCredentials extends ExchangeCredentials {
  override PrepareWebRequest(): void {}
}

/** `impersonate`: the mailbox to act as, in impersonation mode; undefined to act as the account itself. */
export function serviceFor(connection: EwsConnection, impersonate: string | undefined): ExchangeService {
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
  if (connection.accessMode === 'impersonation' && impersonate !== undefined) {
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, impersonate);
  }
  return service;
}

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
