// Onboarding a large followed group at Graph's pace: N members, the
// simulator enforcing Graph's subscription write limit, maintenance runs every
// quarter hour until every member is a user. Time is the simulator's: the runs
// wait for the limit on its clock, so the figure is what Graph would allow,
// not how fast this machine is. The floor is N / 500 × 20 s.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../shared/config';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { createRuntime } from '../../shared/runtime';
import type { IntegrationRecord } from '../../shared/storage/records';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { startGraphSimulator } from '../graphSimulator/graphSimulator';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_TENANT } from '../localHost/demoTenant';
import { createInProcessQueue } from '../localHost/inProcessQueue';
import { createMemorySecretStore } from '../localHost/memorySecretStore';
import { GRAPH_WRITE_LIMIT, simulatedSleep } from './renewalCost';

export interface OnboardingPace {
  members: number;
  added: number;
  runs: number;
  /** From the first run's start to the last member added, on the simulator's clock (pauses between runs included). */
  simulatedMs: number;
  floorMs: number;
  wallMs: number;
  refusedWrites: number;
  peakInWindow: number;
}

const GROUP = '9a9a9a9a-0000-4000-8000-0000000bench';

export async function measureOnboardingPace(
  count: number,
  tablesConnectionString: string,
): Promise<OnboardingPace> {
  const simulator = await startGraphSimulator({ port: 0, subscriptionWriteLimit: GRAPH_WRITE_LIMIT });
  const receiver = createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
    res.writeHead(token ? 200 : 202, { 'content-type': 'text/plain' }).end(token ?? '');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // No subscriber: the first syncs the adds queue are not part of onboarding's pace.
  const queue = createInProcessQueue();
  try {
    simulator.addTenant(DEMO_TENANT);
    const runtime = await createRuntime(
      loadConfig({
        PUBLIC_BASE_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
        GRAPH_CLIENT_ID: DEMO_TENANT.clientId,
        GRAPH_CLIENT_SECRET: DEMO_TENANT.clientSecret,
        GRAPH_BASE_URL: simulator.url,
        GRAPH_AUTHORITY_HOST: simulator.authorityHost,
        TABLES_CONNECTION_STRING: tablesConnectionString,
        TABLE_PREFIX: `benchon${Date.now().toString(36)}`,
        QUEUE_MODE: 'in-process',
      }),
      { queue, secrets: createMemorySecretStore(), now: () => simulator.clock.now() },
    );
    const ids = Array.from(
      { length: count },
      (_, i) => `00000000-0000-4000-a000-${String(i).padStart(12, '0')}`,
    );
    for (const [i, id] of ids.entries())
      simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `member${i}@contoso.example` });
    simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: ids });
    const integration: IntegrationRecord = {
      id: 'bench-onboarding',
      name: 'Onboarding benchmark',
      active: true,
      tenantId: DEMO_TENANT.id,
      consentState: 'granted',
      followGroupId: GROUP,
      pbxUrl: 'https://pbx.invalid/webhooks',
      pbxSecretName: 'pbx-bench',
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await runtime.repos.integrations.create(integration);
    const wallStart = performance.now();
    const start = simulator.clock.now().getTime();
    let end = start;
    let runs = 0;
    let added = 0;
    for (; runs < 20 && added < count; runs++) {
      if (runs > 0) simulator.clock.set(new Date(start + runs * 15 * 60_000));
      await runMaintenance({ ...runtime.maintenance(silentLogger), sleep: simulatedSleep(simulator.clock) });
      end = simulator.clock.now().getTime();
      added = (await runtime.repos.users.listByIntegration(integration.id)).length;
    }
    const writes = simulator.subscriptionWrites();
    return {
      members: count,
      added,
      runs,
      simulatedMs: end - start,
      floorMs: (count / GRAPH_WRITE_LIMIT.writes) * GRAPH_WRITE_LIMIT.windowSeconds * 1000,
      wallMs: performance.now() - wallStart,
      refusedWrites: writes.refused,
      peakInWindow: writes.peakInWindow,
    };
  } finally {
    queue.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await simulator.stop();
  }
}
