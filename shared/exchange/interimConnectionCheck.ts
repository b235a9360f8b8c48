// Stands in for shared/exchange/ewsConnectionCheck.ts (branch ews-A) until
// it is merged: the same signature, so the runtime swaps one import. It knows
// only what the calendar reader tells: https or an allowed loopback, then one
// CalendarView read of the test mailbox.
import type { CheckExchangeConnection } from '../management/exchangeConnectionTrial';
import { EwsFailure, readCalendarView } from './ewsCalendarReader';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const interimConnectionCheck: CheckExchangeConnection = async (
  connection,
  mailbox,
  window,
  options,
) => {
  let url: URL;
  try {
    url = new URL(connection.url);
  } catch {
    return { ok: false, reason: 'urlNotHttps', message: 'the EWS URL is not a URL' };
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname) && options?.allowLoopbackHttp;
  if (url.protocol !== 'https:' && !loopbackHttp) {
    return { ok: false, reason: 'urlNotHttps', message: 'the EWS URL must use https' };
  }
  try {
    const items = await readCalendarView(connection, mailbox, window);
    return {
      ok: true,
      mailbox: { primaryAddress: mailbox, displayName: mailbox },
      itemsInWindow: items.length,
    };
  } catch (error) {
    if (!(error instanceof EwsFailure))
      return { ok: false, reason: 'failed', message: 'Exchange could not be asked' };
    if (error.code === 'ErrorNonExistentMailbox') {
      return { ok: false, reason: 'mailboxNotFound', message: `Exchange has no mailbox ${mailbox}` };
    }
    const reason = error.kind;
    const message = {
      credentialsRejected: "Exchange refused the service account's user name or password",
      impersonationDenied:
        'the service account may not impersonate this mailbox (ApplicationImpersonation role)',
      accessDenied: "the service account may not read this mailbox's calendar",
      throttled: 'Exchange is busy; try again shortly',
      failed: `Exchange answered ${error.code}`,
    }[reason];
    return { ok: false, reason, message };
  }
};
