import { createHash } from 'node:crypto';
import type { AbsenceDraft, CallHandling, Reason } from '../absence';
import type { CalendarEntry, EntryTiming, Sensitivity } from '../calendarEntry';
import type { SyncWindow } from '../syncWindow';
import type { RuleSet } from './ruleSet';
import { categoryKey, containsPhrase, subjectAfterPrefix, wordsOf } from './textMatching';
import { parseCalendarDate, startOfLocalDay } from './zonedTime';

/** Per-user facts the rules need beyond the entry itself. */
export interface EvaluationContext {
  /** IANA zone of the mailbox; all-day entries cover local days in it. */
  timeZone: string;
  /** Extra trigger phrases this user added on top of the integration's. */
  userTriggers?: RuleSet['triggers'];
  /** Which entries count: those that overlap it. It never shortens an absence. */
  window: SyncWindow;
}

export type Evaluation =
  | { outcome: 'absence'; absence: AbsenceDraft; decidedBy: string }
  | { outcome: 'skip'; why: string };

type Skip = Extract<Evaluation, { outcome: 'skip' }>;
const skip = (why: string): Skip => ({ outcome: 'skip', why });

/** What a matching rule yields; `subject` is the text left to show, if any. */
interface Decision {
  decidedBy: string;
  reason: Reason;
  callHandling: CallHandling;
  subject: string;
}

/**
 * `private` and `confidential` are both requests to keep the content to the
 * owner, so both are private here. `personal` only labels the content: such
 * an entry is synced like any other, but its subject is never shown.
 */
export function isPrivate(sensitivity: Sensitivity): boolean {
  return sensitivity === 'private' || sensitivity === 'confidential';
}

/**
 * The rules' verdict on one calendar entry (see docs/rules.md). In order:
 * series masters, cancelled, declined and (with privateEvents `skip`) private
 * entries are skipped; the entry's span is worked out, and an entry entirely
 * outside the sync window is skipped (one partly outside keeps its real span); then the first matching rule decides: subject prefix, integration
 * trigger, user trigger, category, and finally the availability row. A
 * private entry synced as `busyWithoutSubject` is decided by availability
 * alone, since a reason chosen from its subject or categories would tell
 * colleagues what it is about. Pure and total: bad input yields a skip.
 */
export function evaluate(entry: CalendarEntry, rules: RuleSet, context: EvaluationContext): Evaluation {
  if (entry.kind === 'seriesMaster') return skip('series master (its occurrences are evaluated)');
  if (entry.isCancelled) return skip('cancelled');
  if (entry.responseStatus === 'declined') return skip('declined by the user');
  const hidden = isPrivate(entry.sensitivity);
  if (hidden && rules.settings.privateEvents === 'skip') return skip('private (privateEvents: skip)');

  const span = spanOf(entry.timing, context.timeZone);
  if ('why' in span) return skip(span.why);
  if (span.start >= span.end) return skip('ends before it starts');
  const windowStart = Date.parse(context.window.start);
  const windowEnd = Date.parse(context.window.end);
  if (Number.isNaN(windowStart) || Number.isNaN(windowEnd)) return skip('the sync window is not valid');
  // The window chooses which entries are read, not where they end: an entry that reaches past it
  // keeps its real start and end, so the PBX hears the true return time, and the same entry read in
  // tomorrow's window is the same absence instead of one whose end moves every day. Graph returns
  // the events of the calendarView with their own start and end, occurrences of a series included
  // (https://learn.microsoft.com/graph/api/event-delta).
  if (span.end <= windowStart || span.start >= windowEnd) return skip('outside the sync window');

  const decision =
    entry.kind === 'automaticReply'
      ? byAutomaticReplies(rules)
      : hidden
        ? byAvailability(entry, rules)
        : decide(entry, rules, context);
  if ('why' in decision) return decision;

  const showSubject = rules.settings.showSubjects && entry.sensitivity === 'normal';
  const subject = decision.subject.trim();
  return {
    outcome: 'absence',
    decidedBy: decision.decidedBy,
    absence: {
      id: absenceIdFor(entry.id),
      eventId: entry.id,
      ...(entry.seriesMasterId ? { seriesMasterId: entry.seriesMasterId } : {}),
      start: new Date(span.start).toISOString(),
      end: new Date(span.end).toISOString(),
      reason: { code: decision.reason.code, name: decision.reason.name },
      callHandling: decision.callHandling,
      ...(showSubject && subject !== '' ? { subject } : {}),
    },
  };
}

/** Graph event ids are long and case-sensitive; the PBX gets a short stable id derived from them. */
export function absenceIdFor(eventId: string): string {
  return `abs_${createHash('sha256').update(eventId).digest('base64url').slice(0, 24)}`;
}

/** UTC milliseconds the entry covers; all-day dates become the mailbox's local days. */
function spanOf(timing: EntryTiming, timeZone: string): { start: number; end: number } | { why: string } {
  if (timing.kind === 'timed') {
    const start = Date.parse(timing.start);
    const end = Date.parse(timing.end);
    if (Number.isNaN(start) || Number.isNaN(end)) return { why: 'start or end is not a valid instant' };
    return { start, end };
  }
  const startDate = parseCalendarDate(timing.startDate);
  const endDate = parseCalendarDate(timing.endDate);
  if (!startDate || !endDate) return { why: 'start or end is not a valid date' };
  try {
    return { start: startOfLocalDay(startDate, timeZone), end: startOfLocalDay(endDate, timeZone) };
  } catch {
    return { why: `time zone "${timeZone}" is not known, so an all-day entry cannot be placed` };
  }
}

function decide(entry: CalendarEntry, rules: RuleSet, context: EvaluationContext): Decision | Skip {
  const reasons = new Map(rules.reasons.map((reason) => [reason.code, reason]));
  const typed = entry.subject.normalize('NFC');

  for (const rule of rules.prefixes) {
    const rest = subjectAfterPrefix(typed, rule.prefix);
    const reason = reasons.get(rule.reasonCode);
    if (rest !== undefined && reason) {
      return { decidedBy: `prefix:${rule.prefix}`, reason, callHandling: rule.callHandling, subject: rest };
    }
  }

  const words = wordsOf(typed);
  const phraseLists: [string, RuleSet['triggers']][] = [
    ['trigger', rules.triggers],
    // A user's own phrases are checked after the admin's, so they add words but never override policy.
    ['userTrigger', context.userTriggers ?? []],
  ];
  for (const [kind, triggers] of phraseLists) {
    for (const rule of triggers) {
      // A user trigger may name a reason removed from the catalogue since; it is then inert.
      const reason = reasons.get(rule.reasonCode);
      if (reason && containsPhrase(words, rule.phrase)) {
        return {
          decidedBy: `${kind}:${rule.phrase}`,
          reason,
          callHandling: rule.callHandling,
          subject: typed,
        };
      }
    }
  }

  const tagged = new Set(entry.categories.map(categoryKey));
  for (const rule of rules.categories) {
    const reason = reasons.get(rule.reasonCode);
    if (reason && tagged.has(categoryKey(rule.category))) {
      return {
        decidedBy: `category:${rule.category}`,
        reason,
        callHandling: rule.callHandling,
        subject: typed,
      };
    }
  }

  return byAvailability(entry, rules);
}

/** The mailbox's automatic replies have a row of their own and nothing else to match: no subject, no category. */
function byAutomaticReplies(rules: RuleSet): Decision | Skip {
  const row = rules.automaticReplies;
  if (!row.sync || row.reasonCode === undefined) return skip('automatic replies are not synced');
  const reason = rules.reasons.find((candidate) => candidate.code === row.reasonCode);
  if (!reason) return skip(`reason ${row.reasonCode} is not in the catalogue`);
  return { decidedBy: 'automaticReplies', reason, callHandling: row.callHandling, subject: '' };
}

function byAvailability(entry: CalendarEntry, rules: RuleSet): Decision | Skip {
  const row = rules.availability[entry.showAs];
  if (!row?.sync || row.reasonCode === undefined) return skip(`show as ${entry.showAs} is not synced`);
  const reason = rules.reasons.find((candidate) => candidate.code === row.reasonCode);
  if (!reason) return skip(`reason ${row.reasonCode} is not in the catalogue`);
  return {
    decidedBy: `availability:${entry.showAs}`,
    reason,
    callHandling: row.callHandling,
    subject: isPrivate(entry.sensitivity) ? '' : entry.subject.normalize('NFC'),
  };
}
