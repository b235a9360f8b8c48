// A calendar entry as the rules see it: what Graph told us about one event,
// already parsed and normalised (UTC instants, occurrences filled from their
// series master). Pure data; no Graph or storage types leak in here.

export const SHOW_AS_VALUES = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] as const;
export type ShowAs = (typeof SHOW_AS_VALUES)[number];

export const SENSITIVITY_VALUES = ['normal', 'personal', 'private', 'confidential'] as const;
export type Sensitivity = (typeof SENSITIVITY_VALUES)[number];

export const RESPONSE_VALUES = [
  'none',
  'organizer',
  'tentativelyAccepted',
  'accepted',
  'declined',
  'notResponded',
] as const;
export type ResponseStatus = (typeof RESPONSE_VALUES)[number];

/** `automaticReply`: no calendar item but the mailbox's automatic replies (domain/automaticReplies.ts). */
export type EntryKind = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster' | 'automaticReply';

/**
 * Timed entries are instants; all-day entries are floating dates (Outlook
 * stores them without a zone), so they only become instants once we know the
 * mailbox's time zone. `endDate` is exclusive, as Graph reports it.
 */
export type EntryTiming =
  | { kind: 'timed'; start: string; end: string }
  | { kind: 'allDay'; startDate: string; endDate: string };

export interface CalendarEntry {
  id: string;
  kind: EntryKind;
  seriesMasterId?: string;
  subject: string;
  showAs: ShowAs;
  sensitivity: Sensitivity;
  categories: string[];
  isCancelled: boolean;
  responseStatus: ResponseStatus;
  timing: EntryTiming;
}
