import type { LocalHost } from '../../dev/localHost/localHost';
import type { StatusSettings } from '../../shared/domain/rules/ruleSet';
import { integrationRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';

/** Changes an integration's status rules in place (as an operator's save would, without a resync). */
export async function setStatusRules(
  host: LocalHost,
  integrationId: string,
  status: Partial<StatusSettings>,
): Promise<void> {
  const outcome = await optimisticUpdate(
    integrationRow(host.runtime.repos.integrations, integrationId),
    (row) => ({
      ...row,
      ruleSet: { ...row.ruleSet, status: { ...row.ruleSet.status, ...status } },
    }),
  );
  if (outcome.kind !== 'updated') throw new Error(`status rules not saved: ${outcome.kind}`);
}
