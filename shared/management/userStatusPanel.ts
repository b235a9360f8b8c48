// A user's status as the console's users tab shows it: the status view the
// PBX pull endpoint answers too (shared/status/userStatusView.ts), plus the
// absences it was worked out from. The view's segments name only the
// absences that win; an operator looking at overlaps wants to see the ones
// that lose as well, so the chart can draw one lane per absence.

import { z } from 'zod';
import type { Absence } from '../domain/absence';
import type { KnownAbsence } from '../domain/absenceDiff';
import { invalid, type Outcome, ok } from '../outcome';
import {
  STATUS_VIEW_MAX_DAYS,
  type StatusViewDeps,
  type UserStatusView,
  userStatusView,
} from '../status/userStatusView';

/** An absence as the chart draws it; the subject stays out (the tab shows states, not entries). */
export type PanelAbsence = Pick<Absence, 'id' | 'start' | 'end' | 'reason' | 'callHandling'>;

export interface UserStatusPanel extends UserStatusView {
  /** The live absences that overlap [at, horizon), earliest start first. */
  absences: PanelAbsence[];
}

export const statusDaysSchema = z.coerce.number().int().min(1).max(STATUS_VIEW_MAX_DAYS);

/** `days` as the query carries it (absent: the rules' sync days). */
export async function userStatusPanel(
  integrationId: string,
  userId: string,
  days: string | null,
  deps: StatusViewDeps,
): Promise<Outcome<UserStatusPanel>> {
  const parsedDays = days === null ? undefined : statusDaysSchema.safeParse(days);
  if (parsedDays && !parsedDays.success) {
    return invalid(`days must be a whole number from 1 to ${STATUS_VIEW_MAX_DAYS}`, 'days');
  }
  // The rows the view reads are the ones listed, so chart and status never disagree.
  let rows: readonly KnownAbsence[] = [];
  const found = await userStatusView(
    integrationId,
    userId,
    {
      ...deps,
      absences: {
        listForUser: async (integration, user) => {
          const listed = await deps.absences.listForUser(integration, user);
          rows = listed;
          return listed;
        },
      },
    },
    parsedDays?.data,
  );
  if (found.kind !== 'found') return found;
  const { view } = found;
  const fromMs = Date.parse(view.at);
  const horizonMs = Date.parse(view.horizon);
  const absences = rows
    .filter((row) => !row.deleted && Date.parse(row.end) > fromMs && Date.parse(row.start) < horizonMs)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .map(({ id, start, end, reason, callHandling }) => ({ id, start, end, reason, callHandling }));
  return ok({ ...view, absences });
}
