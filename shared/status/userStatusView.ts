// A user's status and timeline as people and PBXes ask for it: the console's
// users tab (operator API) and the PBX pull endpoint (integration credential)
// both answer with this view. It is worked out from the stored absences at
// the moment of asking, so it needs no webhook to have arrived.

import { notFound, type Refusal } from '../outcome';
import type { PbxStatus, PbxStatusSegment } from '../pbx/pbxEvent';
import type { AbsenceRepository, IntegrationRepository, UserRepository } from '../storage/repositories';
import { currentStatus, pbxSegment, timelineFor } from './currentStatus';

export interface StatusViewDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  absences: Pick<AbsenceRepository, 'listForUser'>;
  now: () => Date;
}

export interface UserStatusView {
  user: { id: string; email: string; displayName?: string; timeZone: string };
  /** When the view was worked out (UTC ISO 8601). */
  at: string;
  /** As a `user.status` webhook would carry it now, but the announcement may say "today" or "tomorrow". */
  status: PbxStatus;
  /** Every state from now to `horizon`, without gap; `until` and `returnAt` may lie beyond it. */
  timeline: (PbxStatusSegment & { end: string })[];
  horizon: string;
}

export type UserStatusViewResult = { kind: 'found'; view: UserStatusView } | Refusal;

export const STATUS_VIEW_MAX_DAYS = 60;

/** `days` ahead (1..STATUS_VIEW_MAX_DAYS; the rules' sync days when not given). */
export async function userStatusView(
  integrationId: string,
  userId: string,
  deps: StatusViewDeps,
  days?: number,
): Promise<UserStatusViewResult> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  const stored = await deps.users.get(integrationId, userId);
  if (!stored) return notFound('no such user');
  const user = stored.value;
  const rows = await deps.absences.listForUser(integrationId, userId);
  const nowMs = deps.now().getTime();
  const rules = integration.ruleSet;
  const horizonDays = Math.min(STATUS_VIEW_MAX_DAYS, days ?? rules.settings.syncDaysForward);
  const timeline = timelineFor(rows, user, rules, nowMs, horizonDays);
  return {
    kind: 'found',
    view: {
      user: {
        id: user.id,
        email: user.email,
        ...(user.displayName ? { displayName: user.displayName } : {}),
        timeZone: user.timeZone,
      },
      at: new Date(nowMs).toISOString(),
      status: currentStatus(rows, user, rules, nowMs, { relative: true }),
      timeline: timeline.map((segment) => ({ ...pbxSegment(segment), end: segment.end })),
      horizon: new Date(nowMs + horizonDays * 86_400_000).toISOString(),
    },
  };
}
