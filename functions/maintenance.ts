import type { InvocationContext, Timer } from '@azure/functions';
import { followGroup } from '../shared/onboarding/groupFollowing';
import { getRuntime, provisioningDeps } from '../shared/runtime';
import { runMaintenance } from '../shared/subscriptions/maintenanceRun';
import { registerTimer } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

/**
 * Every 15 minutes: renew subscriptions in $batch calls, re-create lost ones,
 * catch up users, roll sync windows and purge expired absences. The schedule
 * is far tighter than the renewal margin, so one failed run costs nothing.
 */
export async function maintenance(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await getRuntime();
  const config = runtime.config;
  const log = invocationLogger(context);
  const report = await runMaintenance({
    repos: runtime.repos,
    graphFor: runtime.graphFor,
    queue: runtime.queue,
    now: runtime.now,
    urls: runtime.urls,
    subscriptionMinutes: config.SUBSCRIPTION_MAX_MINUTES,
    renewMarginMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
    createsPerRun: config.SUBSCRIPTION_CREATES_PER_RUN,
    catchUpMinutes: config.CATCH_UP_MINUTES,
    retentionDays: config.RETENTION_DAYS,
    coalesceSeconds: config.SYNC_COALESCE_SECONDS,
    confirmTenantAccess: (integration) => runtime.confirmTenantAccess(integration),
    followGroup: async (integration) => {
      await followGroup(integration, {
        ...provisioningDeps(runtime, log),
        graphBaseUrl: config.GRAPH_BASE_URL,
      });
    },
    log,
  });
  // A run where every integration failed is an error the host should record as a failed invocation.
  if (report.integrations > 0 && report.errors.length === report.integrations) {
    throw new Error(`maintenance failed for every integration: ${report.errors.join('; ')}`);
  }
}

registerTimer('maintenance', {
  schedule: '0 */15 * * * *',
  handler: maintenance,
});
