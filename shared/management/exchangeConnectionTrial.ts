// An Exchange Server connection tried before it is saved, and on the
// operator's request: the answer in the management API's words, with the
// request field at fault, and never the password.
import type { EwsConnection } from '../exchange/ewsCalendarReader';
import type {
  ConnectionCheckOptions,
  ConnectionCheckOutcome,
  ConnectionCheckReason,
} from '../exchange/ewsConnectionCheck';
import { conflict, invalid, type Refusal } from '../outcome';

/** shared/exchange/ewsConnectionCheck.ts's `checkExchangeConnection`, injected so tests and the runtime pick it. */
export type CheckExchangeConnection = (
  connection: EwsConnection,
  mailbox: string,
  window: { start: string; end: string },
  options?: ConnectionCheckOptions,
) => Promise<ConnectionCheckOutcome>;

export interface ExchangeTrialDeps {
  check: CheckExchangeConnection;
  /** EXCHANGE_ALLOW_LOOPBACK_HTTP: plain http to 127.0.0.1 and ::1, for the local host and tests only. */
  allowLoopbackHttp: boolean;
}

/** The request field a failed check points at; for the connection fields, relative to `exchangeServer`. */
type FaultyField = 'ewsUrl' | 'password' | 'accessMode' | 'mailbox';

const FIELD_AT_FAULT: Record<ConnectionCheckReason, FaultyField | undefined> = {
  urlNotHttps: 'ewsUrl',
  nameNotResolvable: 'ewsUrl',
  unreachable: 'ewsUrl',
  certificateInvalid: 'ewsUrl',
  credentialsRejected: 'password',
  // Only accounts granted the ApplicationImpersonation role may impersonate
  // (MicrosoftDocs/office-developer-exchange-docs, docs/exchange-web-services/impersonation-and-ews-in-exchange.md):
  // the access mode asked for it; folderPermission needs no role.
  impersonationDenied: 'accessMode',
  accessDenied: 'mailbox',
  mailboxNotFound: 'mailbox',
  throttled: undefined,
  failed: undefined,
};

/** How far ahead the trial reads the mailbox's calendar: enough to say whether it has anything in it. */
const TRIAL_DAYS = 7;

export type TrialOutcome =
  | Extract<ConnectionCheckOutcome, { ok: true }>
  | { ok: false; reason: ConnectionCheckReason; message: string; field?: FaultyField };

/** Tries the connection on one mailbox's calendar for the coming week. */
export async function tryExchangeConnection(
  connection: EwsConnection,
  mailbox: string,
  now: Date,
  deps: ExchangeTrialDeps,
): Promise<TrialOutcome> {
  const window = {
    start: now.toISOString(),
    end: new Date(now.getTime() + TRIAL_DAYS * 86_400_000).toISOString(),
  };
  const outcome = await deps.check(connection, mailbox, window, {
    allowLoopbackHttp: deps.allowLoopbackHttp,
  });
  if (outcome.ok) return outcome;
  const field = FIELD_AT_FAULT[outcome.reason];
  return {
    ok: false,
    reason: outcome.reason,
    // The check words its own sentences; should one ever quote what it was given, the password goes.
    message: withoutSecret(outcome.message, connection.password),
    ...(field ? { field } : {}),
  };
}

/**
 * A failed trial as the refusal of a create or PATCH: the reason code leads
 * the sentence (as `consentError` carries it), `path` names the request
 * field. Exchange being busy is nobody's mistake: try again.
 */
export function trialRefusal(failed: Extract<TrialOutcome, { ok: false }>, testMailboxPath: string): Refusal {
  const reason = `${failed.reason}: ${failed.message}`;
  if (failed.reason === 'throttled') return conflict(reason);
  if (!failed.field) return invalid(reason);
  return invalid(reason, failed.field === 'mailbox' ? testMailboxPath : `exchangeServer.${failed.field}`);
}

export function withoutSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[password]');
}
