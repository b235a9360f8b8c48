// Outlook's automatic replies ("out of office") as an absence (issue 17,
// item 3; docs/rules.md, "Outlook automatic replies"). The mailbox setting
// has three states (https://learn.microsoft.com/graph/api/resources/automaticrepliessetting):
// disabled, alwaysEnabled, or scheduled from a start to an end. The sync turns
// it into one calendar entry of its own, judged by the rules' automaticReplies
// row, so the diff, the versions and the webhooks are the calendar's:
// - scheduled: an absence from the scheduled start to the scheduled end;
// - alwaysEnabled: it has no end, and every absence needs one. It runs from
//   the moment the sync first saw it on (kept, so the start never moves) to
//   the end of the sync window; the window moves each day, and the end with
//   it, so the absence keeps reaching past the days the sync looks ahead;
// - disabled: no absence (and a stored one is deleted).
// Pure: the Graph adapter reads and converts the setting, the sync keeps the
// state on the user row.

import { z } from 'zod';
import type { CalendarEntry } from './calendarEntry';
import type { SyncWindow } from './syncWindow';

/** The mailbox's setting as read, its times already UTC (ISO 8601). */
export type AutomaticRepliesSetting =
  | { status: 'disabled' }
  | { status: 'alwaysEnabled' }
  | { status: 'scheduled'; start: string; end: string };

export const automaticRepliesStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('disabled') }),
  /** `since`: when a sync first saw the reply on; the absence starts there. */
  z.object({ status: z.literal('alwaysEnabled'), since: z.string().min(1) }),
  z.object({ status: z.literal('scheduled'), start: z.string().min(1), end: z.string().min(1) }),
]);
/** What the sync knows of the setting, kept on the user row between reads. */
export type AutomaticRepliesState = z.infer<typeof automaticRepliesStateSchema>;

export const automaticRepliesMemoSchema = z.object({
  state: automaticRepliesStateSchema,
  /** When the mailbox was last asked. Absent: ask at the next sync (the maintenance run saw a change). */
  readAt: z.string().min(1).optional(),
});
export type AutomaticRepliesMemo = z.infer<typeof automaticRepliesMemoSchema>;

const DISABLED: AutomaticRepliesState = { status: 'disabled' };

/** The state after reading `setting`: an always-on reply seen on before keeps its `since`. */
export function observedState(
  previous: AutomaticRepliesState | undefined,
  setting: AutomaticRepliesSetting,
  now: Date,
): AutomaticRepliesState {
  if (setting.status !== 'alwaysEnabled') return setting;
  return previous?.status === 'alwaysEnabled'
    ? previous
    : { status: 'alwaysEnabled', since: now.toISOString() };
}

export function sameState(
  a: AutomaticRepliesState | undefined,
  b: AutomaticRepliesState | undefined,
): boolean {
  const [x, y] = [a ?? DISABLED, b ?? DISABLED];
  if (x.status === 'scheduled' && y.status === 'scheduled')
    return Date.parse(x.start) === Date.parse(y.start) && Date.parse(x.end) === Date.parse(y.end);
  // An always-on reply is the same reply whatever `since` says: only its turning on or off is a change.
  return x.status === y.status;
}

/** Whether reading `setting` changes what the sync holds (never seen is the same as disabled). */
export function settingChanged(
  previous: AutomaticRepliesState | undefined,
  setting: AutomaticRepliesSetting,
): boolean {
  return !sameState(previous, observedState(previous, setting, new Date(0)));
}

/**
 * The entry's id: one per mailbox, never a Graph event id (those are base64
 * and carry no `/`), and with the user id in it so the absence id derived
 * from it is the user's own, as calendar absence ids are. A reply turned off
 * and on again is this one absence back at a higher version, as a meeting
 * declined and accepted again is.
 */
export function automaticRepliesEventId(userId: string): string {
  return `mailboxSettings/automaticRepliesSetting/${userId}`;
}

/** The entry the rules judge for the state, or undefined when the replies are off. */
export function automaticRepliesEntry(
  userId: string,
  state: AutomaticRepliesState,
  window: SyncWindow,
): CalendarEntry | undefined {
  if (state.status === 'disabled') return undefined;
  const timing =
    state.status === 'scheduled'
      ? { kind: 'timed' as const, start: state.start, end: state.end }
      : { kind: 'timed' as const, start: state.since, end: window.end };
  return {
    id: automaticRepliesEventId(userId),
    kind: 'automaticReply',
    // The reply's message is never read: no subject can leave the service from it.
    subject: '',
    showAs: 'oof',
    sensitivity: 'normal',
    categories: [],
    isCancelled: false,
    responseStatus: 'none',
    timing,
  };
}
