// The status the PBX is told: a user's state now and the next one, with the
// announcement, from the absences the service holds for them (issue 17).
// Pure: the caller brings the clock, the rows and the rules. The sync and the
// status tick (statusWebhooks.ts) send it; the pull endpoint and the console
// show it with its timeline (userStatusView.ts).

import { createHash } from 'node:crypto';
import type { AbsenceDraft } from '../domain/absence';
import { announcement } from '../domain/announcement';
import { type AutomaticRepliesState, automaticRepliesEventId } from '../domain/automaticReplies';
import type { RuleSet } from '../domain/rules/ruleSet';
import type { StatusSegment, StatusTimeline } from '../domain/statusTimeline';
import { userStatusTimeline } from '../domain/userStatus';
import type { WorkingHours } from '../domain/workingHours';
import type { PbxStatus, PbxStatusSegment } from '../pbx/pbxEvent';

export interface StatusSubject {
  id?: string;
  timeZone: string;
  workingHours?: WorkingHours;
  /** What the sync knows of the mailbox's Outlook automatic replies (an always-on one has no end). */
  automaticReplies?: { state: AutomaticRepliesState };
}

/**
 * Far enough that the segment after the current one is always in the
 * timeline: an absence lasts at most as long as an Outlook entry can, and the
 * status of a user on leave for a year still names the day they are back.
 */
const EVENT_HORIZON_DAYS = 800;

/**
 * Where an always-on automatic reply ends: not a return, only the end of the
 * days the sync looks ahead (shared/domain/automaticReplies.ts). Undefined
 * when the user has none.
 */
export function openEndAt(
  absences: readonly (AbsenceDraft & { deleted?: boolean })[],
  user: StatusSubject,
): string | undefined {
  if (user.id === undefined || user.automaticReplies?.state.status !== 'alwaysEnabled') return undefined;
  const eventId = automaticRepliesEventId(user.id);
  const reply = absences.find((absence) => absence.eventId === eventId && !absence.deleted);
  return reply?.end;
}

export function pbxSegment(segment: StatusSegment, openEnd?: string): PbxStatusSegment {
  if (segment.status === 'available') {
    return { status: 'available', start: segment.start, until: segment.until };
  }
  // At or past where the reply's absence stops (working hours may move the return further): the
  // reply runs on beyond it, so no return is known.
  const returnUnknown = openEnd !== undefined && Date.parse(segment.returnAt) >= Date.parse(openEnd);
  return {
    ...(returnUnknown ? { returnUnknown: true as const } : {}),
    status: 'away',
    start: segment.start,
    until: segment.until,
    returnAt: segment.returnAt,
    reason: { code: segment.reason.code, name: segment.reason.name },
    callHandling: segment.callHandling,
    absenceIds: [...segment.absenceIds],
  };
}

export function timelineFor(
  absences: readonly (AbsenceDraft & { deleted?: boolean })[],
  user: StatusSubject,
  rules: Pick<RuleSet, 'status'>,
  nowMs: number,
  horizonDays: number,
): StatusTimeline {
  return userStatusTimeline(absences, user, nowMs, {
    precedence: rules.status.precedence,
    useWorkingHours: rules.status.useWorkingHours,
    horizonDays,
  });
}

/**
 * The status as a webhook carries it. Its announcement names the day of the
 * return, never "today" or "tomorrow": the PBX keeps the sentence until the
 * next status, which may be days later.
 */
export function currentStatus(
  absences: readonly (AbsenceDraft & { deleted?: boolean })[],
  user: StatusSubject,
  rules: Pick<RuleSet, 'status'>,
  nowMs: number,
  options: { relative?: boolean } = {},
): PbxStatus {
  const [current, next] = timelineFor(absences, user, rules, nowMs, EVENT_HORIZON_DAYS);
  const openEnd = openEndAt(absences, user);
  const now = pbxSegment(current, openEnd);
  return {
    current: now,
    next: next ? pbxSegment(next, openEnd) : null,
    announcement: {
      language: rules.status.language,
      text: announcement(current, {
        language: rules.status.language,
        timeZone: user.timeZone,
        nowMs,
        relative: options.relative ?? false,
        returnUnknown: now.status === 'away' && now.returnUnknown === true,
      }),
    },
  };
}

/**
 * What makes two statuses the same for the PBX: everything but the current
 * segment's start, which is only when the status was worked out. A status is
 * sent when this changes, so time passing inside a state sends nothing.
 */
export function statusDigest(status: PbxStatus): string {
  const { start: _computedAt, ...current } = status.current;
  const material = JSON.stringify([current, status.next, status.announcement]);
  return createHash('sha256').update(material).digest('base64url').slice(0, 22);
}

/** When the status will change by time alone: the end of the current state, if it ends. */
export function statusChangesAt(status: PbxStatus): string | null {
  return status.current.until;
}
