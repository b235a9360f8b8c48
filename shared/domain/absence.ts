/** What the PBX is told about a stretch of time in which a user is away. */
export const CALL_HANDLING_VALUES = ['information', 'diversion'] as const;
/** `information`: shown in the PBX directory; `diversion`: calls go to an absence message. */
export type CallHandling = (typeof CALL_HANDLING_VALUES)[number];

export interface Reason {
  /** The PBX's own code for the reason. */
  code: string;
  name: string;
}

/** The rules' verdict for one calendar entry, before it is compared with what the PBX has. */
export interface AbsenceDraft {
  /** Stable across syncs: derived from the event id only. */
  id: string;
  eventId: string;
  seriesMasterId?: string;
  /** UTC ISO 8601. */
  start: string;
  end: string;
  reason: Reason;
  callHandling: CallHandling;
  /** Present only when the rules allow subjects and the event is not private. */
  subject?: string;
}

/** An absence as the PBX has been told it; `version` grows with every change. */
export interface Absence extends AbsenceDraft {
  version: number;
}
