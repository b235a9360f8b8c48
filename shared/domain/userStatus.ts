// A user's status timeline from what the service stores about them: their
// live absences (tombstones left out) and, when the integration uses them,
// the mailbox's working hours, which move a return time that falls outside
// them to the next start of work (statusTimeline.ts's `reachableFrom`).
// Pure: the caller brings the clock and the rows.

import type { AbsenceDraft } from './absence';
import type { StatusPrecedence } from './statusPrecedence';
import { type StatusTimeline, statusTimeline } from './statusTimeline';
import { reachableFrom, type WorkingHours } from './workingHours';

export interface TimelineSettings {
  precedence?: StatusPrecedence;
  /** Return times at the next start of working hours (issue 17: configurable per integration). */
  useWorkingHours: boolean;
  /** How far ahead the timeline lists segments; `until` and `returnAt` may lie beyond it. */
  horizonDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function userStatusTimeline(
  absences: readonly (AbsenceDraft & { deleted?: boolean })[],
  user: { workingHours?: WorkingHours },
  nowMs: number,
  settings: TimelineSettings,
): StatusTimeline {
  const hours = settings.useWorkingHours ? user.workingHours : undefined;
  return statusTimeline(
    absences.filter((absence) => !absence.deleted),
    {
      fromMs: nowMs,
      horizonMs: nowMs + settings.horizonDays * DAY_MS,
      ...(settings.precedence ? { precedence: settings.precedence } : {}),
      ...(hours ? { reachableFrom: reachableFrom(hours) } : {}),
    },
  );
}
