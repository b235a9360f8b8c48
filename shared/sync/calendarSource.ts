// Where the sync gets a user's calendar entries from. Exchange Online over
// Microsoft Graph is one source (shared/graph/graphCalendarSource.ts);
// another (Exchange Server over EWS) plugs in as another adapter, and the
// pipeline in userSync.ts (rules, diff, publish) stays as it is.
import type { AutomaticRepliesMemo } from '../domain/automaticReplies';
import type { CalendarEntry } from '../domain/calendarEntry';
import type { SyncWindow } from '../domain/syncWindow';

/** The mailbox to read. Graph addresses it by id; a mailbox on Exchange Server by its address. */
export interface SourceMailbox {
  id: string;
  email: string;
  /** IANA zone of the mailbox, where all-day items fall (a source that reports floating dates needs none). */
  timeZone?: string;
  /** What the last read said of the mailbox's automatic replies (`CalendarRead.automaticReplies`). */
  automaticReplies?: AutomaticRepliesMemo;
}

/**
 * `fresh`: read the whole window. `resume`: only what changed since the
 * cursor a previous read handed out; the window is the one that read was
 * for, in case the source has to start over.
 */
export type ReadStart =
  | { kind: 'fresh'; window: SyncWindow }
  | { kind: 'resume'; cursor: string; window: SyncWindow };

export interface CalendarRead {
  /** Entries to judge; recurring series already expanded into their occurrences. */
  entries: CalendarEntry[];
  /** Every entry id the read reported, changed or removed: a resumed read says nothing about the others. */
  reportedIds: Set<string>;
  /** True when the read covered the whole window (asked for, or the cursor had expired). */
  fresh: boolean;
  /**
   * A resumed read that still lists every entry of the window (a source
   * without change tracking, such as EWS CalendarView): the diff compares in
   * full, so a missing entry is a removed one, but the PBX gets only the
   * changes, not the snapshot a fresh round sends.
   */
  wholeWindow?: boolean;
  /** Hand this back in the next `resume`. */
  cursor: string;
  /** Requests the read took (logged, and counted by the benchmarks). */
  pages: number;
  /** The mailbox's automatic replies when the read asked for them: kept with the user, handed back in the mailbox. */
  automaticReplies?: AutomaticRepliesMemo;
}

export interface CalendarSource {
  read(mailbox: SourceMailbox, start: ReadStart): Promise<CalendarRead>;
}

/** The source asked us to come back later; the sync is put back on the queue for that long. */
export class SourceThrottled extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`the calendar source throttled the request; retry after ${retryAfterSeconds} s`);
    this.name = 'SourceThrottled';
  }
}

/** The customer's organisation no longer lets the app in; only a new consent helps. */
export class SourceRefused extends Error {
  constructor(
    readonly code: string,
    /** Exchange Server: when the password it refused was saved (markCredentialsRejected ignores an outdated one). */
    readonly passwordSetAt?: string,
  ) {
    super(`the calendar source refuses the app (${code})`);
    this.name = 'SourceRefused';
  }
}

/** A failure of the source worth showing to the operator; `why` becomes the user's last error. */
export class SourceFailed extends Error {
  constructor(
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(why, options);
    this.name = 'SourceFailed';
  }
}
