// Every 15 minutes: renew subscriptions in $batch calls, re-create lost ones,
// catch up users, roll sync windows and purge expired absences. The schedule
// is far tighter than the renewal margin, so one failed run costs nothing.

import type { InvocationContext, Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { runMaintenance } from '../shared/subscriptions/maintenanceRun';
import { registerTimer } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

export async function maintenance(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await getRuntime();
  const report = await runMaintenance(runtime.maintenance(invocationLogger(context)));
  // A run where every integration failed is an error the host should record as a failed invocation.
  if (report.integrations > 0 && report.errors.length === report.integrations) {
    throw new Error(`maintenance failed for every integration: ${report.errors.join('; ')}`);
  }
}

registerTimer('maintenance', {
  schedule: '0 */15 * * * *',
  handler: maintenance,
});
