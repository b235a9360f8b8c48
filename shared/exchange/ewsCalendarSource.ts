// Exchange Server as a calendar source: every read is a whole-window
// CalendarView (Exchange expands recurrences), which the diff against the
// stored absences turns into only the changes. EWS has no delta token for
// calendar views, so there is no cursor to resume from; a push notification
// only says "read again", which costs one paged FindItem.
import type { Logger } from '../logger';
import {
  type CalendarRead,
  type CalendarSource,
  SourceFailed,
  SourceRefused,
  SourceThrottled,
} from '../sync/calendarSource';
import { type EwsConnection, EwsFailure, readCalendarView } from './ewsCalendarReader';
import { entryFromEwsItem } from './ewsEntry';

export interface EwsCalendarSourceOptions {
  connection: () => Promise<EwsConnection>;
  /** When the password in `connection` was saved, handed on with a refusal. */
  passwordSetAt: string;
  /** Zone for all-day items when the mailbox names none. */
  defaultTimeZone: string;
  pageSize?: number;
  log: Logger;
  /** Sees every EWS request (the benchmarks count them). */
  onRequest?: () => void;
}

/** The cursor of every EWS read: there is nothing to resume from, the next read is whole again. */
export const EWS_WHOLE_WINDOW = 'ews:whole-window';

export function ewsCalendarSource(options: EwsCalendarSourceOptions): CalendarSource {
  return {
    async read(mailbox, start): Promise<CalendarRead> {
      const connection = await options.connection();
      let pages = 0;
      const items = await readCalendarView(
        connection,
        mailbox.email,
        { start: start.window.start, end: start.window.end },
        options.pageSize,
        () => {
          pages++;
          options.onRequest?.();
        },
      ).catch((error: unknown) => {
        throw sourceFailureOf(error, options.passwordSetAt);
      });
      const timeZone = mailbox.timeZone ?? options.defaultTimeZone;
      const entries = items.map((item) => entryFromEwsItem(item, timeZone));
      return {
        entries,
        reportedIds: new Set(entries.map((entry) => entry.id)),
        // A resumed read lists the whole window too: changes only, no snapshot (calendarSource.ts).
        fresh: start.kind === 'fresh',
        wholeWindow: true,
        cursor: EWS_WHOLE_WINDOW,
        pages,
      };
    },
  };
}

/** EWS failures in the pipeline's words; the operator reads the sentence on the user, never a password. */
export function sourceFailureOf(error: unknown, passwordSetAt: string): unknown {
  if (!(error instanceof EwsFailure)) return error;
  switch (error.kind) {
    case 'credentialsRejected':
      return new SourceRefused('credentialsRejected', passwordSetAt);
    case 'throttled':
      return new SourceThrottled(error.retryAfterSeconds ?? 30);
    case 'impersonationDenied':
      return new SourceFailed(
        'Exchange refused to let the service account impersonate this mailbox (ErrorImpersonateUserDenied)',
        { cause: error },
      );
    case 'accessDenied':
      return new SourceFailed(
        "the service account has no Reviewer permission on this mailbox's Calendar folder (ErrorAccessDenied)",
        { cause: error },
      );
    case 'failed':
      return new SourceFailed(`Exchange answered ${error.code}`, { cause: error });
  }
}
