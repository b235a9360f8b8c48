import { createHash } from 'node:crypto';
import type { AbsenceDraft } from '../absence';
import type { CalendarEntry } from '../calendarEntry';
import type { SyncWindow } from '../syncWindow';
import type { RuleSet } from './ruleSet';

/** Per-user facts the rules need beyond the entry itself. */
export interface EvaluationContext {
  /** IANA zone of the mailbox; all-day entries cover local days in it. */
  timeZone: string;
  /** Extra trigger phrases this user added on top of the integration's. */
  userTriggers?: RuleSet['triggers'];
  window: SyncWindow;
}

export type Evaluation =
  | { outcome: 'absence'; absence: AbsenceDraft; decidedBy: string }
  | { outcome: 'skip'; why: string };

/**
 * Foundation version: availability only (prefixes, triggers and categories
 * arrive with the rules engine). Private entries are never synced; cancelled
 * and declined entries are skipped.
 */
export function evaluate(entry: CalendarEntry, rules: RuleSet, context: EvaluationContext): Evaluation {
  if (entry.kind === 'seriesMaster')
    return { outcome: 'skip', why: 'series master (its occurrences are evaluated)' };
  if (entry.isCancelled) return { outcome: 'skip', why: 'cancelled' };
  if (entry.responseStatus === 'declined') return { outcome: 'skip', why: 'declined by the user' };
  if (entry.sensitivity === 'private' && rules.settings.privateEvents === 'skip') {
    return { outcome: 'skip', why: 'private' };
  }
  const row = rules.availability[entry.showAs];
  if (!row.sync || !row.reasonCode) return { outcome: 'skip', why: `show as ${entry.showAs} is not synced` };
  const reason = rules.reasons.find((r) => r.code === row.reasonCode);
  if (!reason) return { outcome: 'skip', why: `reason ${row.reasonCode} is not in the catalogue` };
  if (entry.timing.kind !== 'timed') return { outcome: 'skip', why: 'all-day entries need the rules engine' };
  const start = entry.timing.start > context.window.start ? entry.timing.start : context.window.start;
  const end = entry.timing.end < context.window.end ? entry.timing.end : context.window.end;
  if (start >= end) return { outcome: 'skip', why: 'outside the sync window' };
  const showSubject = rules.settings.showSubjects && entry.sensitivity === 'normal';
  return {
    outcome: 'absence',
    decidedBy: `availability:${entry.showAs}`,
    absence: {
      id: absenceIdFor(entry.id),
      eventId: entry.id,
      ...(entry.seriesMasterId ? { seriesMasterId: entry.seriesMasterId } : {}),
      start,
      end,
      reason,
      callHandling: row.callHandling,
      ...(showSubject && entry.subject ? { subject: entry.subject } : {}),
    },
  };
}

/** Graph event ids are long and case-sensitive; the PBX gets a short stable id derived from them. */
export function absenceIdFor(eventId: string): string {
  return `abs_${createHash('sha256').update(eventId).digest('base64url').slice(0, 24)}`;
}
