import { classifyGraphError } from '../graph/graphErrors';
import { listGroupMembers } from '../graph/groups';
import { tenantRefusal } from '../graph/tenantAccess';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import type { IntegrationRecord, OnboardingProgress } from '../storage/records';
import type { WritePace } from '../subscriptions/writePace';
import { pacedEach } from './pacedAdds';
import { addUser, type ProvisioningDeps, removeUser } from './userProvisioning';

export interface GroupFollowingReport {
  added: number;
  removed: number;
  /** Members that are not a person's mailbox (or unknown), or failed to be added; tried again next run. */
  refused: number;
  /** Members not tried in this run: its time was up. The next run goes on with them. */
  left: number;
}

/**
 * Keeps an integration's users equal to the direct members of its security
 * group: new members are added (subscription and first sync), users who left
 * the group are removed with everything about them. A group Graph cannot
 * find throws, so a deleted group never empties the integration.
 *
 * Under a pace (the maintenance run's), members are added in parallel at the
 * pace of subscription writes, a 429 holds the pace for Graph's Retry-After,
 * and what the run's time does not allow is left for the next run: the users
 * table itself is the cursor, since a member already known is not added
 * again. The integration row keeps the progress the dashboard shows.
 */
export async function followGroup(
  integration: IntegrationRecord,
  deps: ProvisioningDeps & { graphBaseUrl: string; pace?: WritePace },
): Promise<GroupFollowingReport> {
  const report: GroupFollowingReport = { added: 0, removed: 0, refused: 0, left: 0 };
  if (!integration.followGroupId) return report;
  const startedAt = deps.now();
  const members = await listGroupMembers(
    deps.graphFor(integration),
    deps.graphBaseUrl,
    integration.followGroupId,
  );
  const memberIds = new Set(members.map((m) => m.id.toLowerCase()));
  const users = await deps.repos.users.listByIntegration(integration.id);
  const known = new Set(users.map((u) => u.id.toLowerCase()));
  const failed = (userId: string, error: unknown) => {
    if (tenantRefusal(error)) throw error;
    report.refused++;
    deps.log.warn('a group member could not be added or removed; tried again next run', {
      integrationId: integration.id,
      userId,
      status: classifyGraphError(error)?.status,
    });
  };
  // Removals first and one by one: they are few, and each is a subscription write too.
  for (const user of users) {
    if (memberIds.has(user.id.toLowerCase())) continue;
    if (deps.pace && !(await deps.pace.take())) break;
    try {
      if (await removeUser(integration.id, user.id, deps)) report.removed++;
    } catch (error) {
      failed(user.id, error);
    }
  }
  const toAdd = members.filter((m) => !known.has(m.id.toLowerCase()));
  const doneBefore = members.length - toAdd.length;
  const left = await pacedEach(
    toAdd.map((m) => m.id),
    deps.pace,
    async (memberId) => {
      const result = await addUser(integration.id, memberId, deps);
      if (result.kind === 'added') report.added++;
      else report.refused++;
    },
    failed,
  );
  report.left += left.length;
  if (toAdd.length > 0 || (integration.onboarding && !integration.onboarding.finishedAt)) {
    await recordProgress(integration, members.length, doneBefore, report, startedAt, deps);
  }
  if (report.added + report.removed + report.refused + report.left > 0) {
    deps.log.info('group followed', { integrationId: integration.id, ...report });
  }
  return report;
}

async function recordProgress(
  integration: IntegrationRecord,
  total: number,
  doneBefore: number,
  report: GroupFollowingReport,
  startedAt: Date,
  deps: ProvisioningDeps,
): Promise<void> {
  const now = deps.now().toISOString();
  const done = Math.min(total, doneBefore + report.added);
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integration.id),
    (current) => {
      const previous = current.onboarding && !current.onboarding.finishedAt ? current.onboarding : undefined;
      const progress: OnboardingProgress = {
        total,
        done,
        refused: report.refused,
        doneAtStart: previous?.doneAtStart ?? doneBefore,
        startedAt: previous?.startedAt ?? startedAt.toISOString(),
        updatedAt: now,
        ...(report.left === 0 ? { finishedAt: now } : {}),
      };
      return { ...current, onboarding: progress };
    },
  );
  settledOrThrow(outcome, `the onboarding progress of integration ${integration.id}`);
}
