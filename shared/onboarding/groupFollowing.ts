import { classifyGraphError } from '../graph/graphErrors';
import { listGroupMembers } from '../graph/groups';
import { tenantRefusal } from '../graph/tenantAccess';
import type { IntegrationRecord } from '../storage/records';
import { addUser, type ProvisioningDeps, removeUser } from './userProvisioning';

export interface GroupFollowingReport {
  added: number;
  removed: number;
  /** Members that are not a person's mailbox (or unknown), or failed to be added; tried again next run. */
  refused: number;
}

/**
 * Keeps an integration's users equal to the direct members of its security
 * group: new members are added (subscription and first sync), users who left
 * the group are removed with everything about them. A group Graph cannot
 * find throws, so a deleted group never empties the integration.
 */
export async function followGroup(
  integration: IntegrationRecord,
  deps: ProvisioningDeps & { graphBaseUrl: string },
): Promise<GroupFollowingReport> {
  const report: GroupFollowingReport = { added: 0, removed: 0, refused: 0 };
  if (!integration.followGroupId) return report;
  const members = await listGroupMembers(
    deps.graphFor(integration),
    deps.graphBaseUrl,
    integration.followGroupId,
  );
  const memberIds = new Set(members.map((m) => m.id.toLowerCase()));
  const users = await deps.repos.users.listByIntegration(integration.id);
  const known = new Set(users.map((u) => u.id.toLowerCase()));
  // Each member on its own: one that fails is tried again next run and never stops the others.
  const alone = async (userId: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      if (tenantRefusal(error)) throw error;
      report.refused++;
      deps.log.warn('a group member could not be added or removed; tried again next run', {
        integrationId: integration.id,
        userId,
        status: classifyGraphError(error)?.status,
      });
    }
  };
  for (const user of users) {
    if (memberIds.has(user.id.toLowerCase())) continue;
    await alone(user.id, async () => {
      if (await removeUser(integration.id, user.id, deps)) report.removed++;
    });
  }
  for (const member of members) {
    if (known.has(member.id.toLowerCase())) continue;
    await alone(member.id, async () => {
      const result = await addUser(integration.id, member.id, deps);
      if (result.kind === 'added') report.added++;
      else report.refused++;
    });
  }
  if (report.added + report.removed + report.refused > 0) {
    deps.log.info('group followed', { integrationId: integration.id, ...report });
  }
  return report;
}
