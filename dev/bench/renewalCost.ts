import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../shared/config';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { newClientState } from '../../shared/graph/subscriptions';
import { createRuntime } from '../../shared/runtime';
import type { IntegrationRecord, UserRecord } from '../../shared/storage/records';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { startGraphSimulator } from '../graphSimulator/graphSimulator';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_TENANT } from '../localHost/demoTenant';
import { createInProcessQueue } from '../localHost/inProcessQueue';
import { createMemorySecretStore } from '../localHost/memorySecretStore';
import { inParallel } from './percentiles';

export interface RenewalCost {
  subscriptions: number;
  graphRequests: number;
  lowerBound: number;
  renewed: number;
  /** This machine's time for the run. */
  wallMs: number;
  /** The run's time on the simulator's clock, its waits for Graph's write limit included. */
  simulatedMs: number;
}

/** Graph's subscription write limit per app per tenant, which the simulator enforces here. */
export const GRAPH_WRITE_LIMIT = { writes: 500, windowSeconds: 20 };

/** A wait that moves the simulator's clock instead of this machine's; parallel waits end together. */
export function simulatedSleep(clock: { now(): Date; set(date: Date): void }) {
  return async (ms: number) => {
    const until = clock.now().getTime() + ms;
    if (clock.now().getTime() < until) clock.set(new Date(until));
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/**
 * Graph requests one maintenance run spends to renew N subscriptions that are
 * all due, under Graph's subscription write limit (simulated time). The lower
 * bound is one $batch call per 20 subscriptions.
 */
export async function measureRenewalCost(
  count: number,
  tablesConnectionString: string,
): Promise<RenewalCost> {
  const simulator = await startGraphSimulator({ port: 0, subscriptionWriteLimit: GRAPH_WRITE_LIMIT });
  // Graph's validation handshake needs a notification endpoint; nothing else reaches it here.
  const receiver = createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
    res.writeHead(token ? 200 : 202, { 'content-type': 'text/plain' }).end(token ?? '');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  let graphRequests = 0;
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
        TABLE_PREFIX: `bench${Date.now().toString(36)}`,
        QUEUE_MODE: 'in-process',
      }),
      {
        // No subscriber: the catch-up syncs the run queues are not part of the renewal cost.
        queue,
        secrets: createMemorySecretStore(),
        now: () => simulator.clock.now(),
        onGraphRequest: () => {
          graphRequests++;
        },
      },
    );
    const integration: IntegrationRecord = {
      id: 'bench',
      name: 'Renewal benchmark',
      active: true,
      tenantId: DEMO_TENANT.id,
      consentState: 'granted',
      pbxUrl: 'https://pbx.invalid/webhooks',
      pbxSecretName: 'pbx-bench',
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await runtime.repos.integrations.create(integration);
    const deps = {
      repos: runtime.repos,
      graphFor: runtime.graphFor,
      now: runtime.now,
      urls: runtime.urls,
      subscriptionMinutes: runtime.config.SUBSCRIPTION_MAX_MINUTES,
      log: silentLogger,
    };
    await inParallel(count, 16, async (i) => {
      const id = `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
      simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: `bench${i}@contoso.example` });
      const user: UserRecord = {
        integrationId: integration.id,
        id,
        email: `bench${i}@contoso.example`,
        timeZone: 'Europe/Stockholm',
        status: 'ok',
        lastSyncAt: runtime.now().toISOString(),
        createdAt: runtime.now().toISOString(),
      };
      // Subscriptions as the service would have created them days ago; creating 10 000 through the
      // validation handshake would cost minutes that say nothing about renewal.
      const clientState = newClientState();
      const granted = simulator.seedSubscription(DEMO_TENANT.id, id, {
        notificationUrl: runtime.urls.notification,
        lifecycleNotificationUrl: runtime.urls.lifecycle,
        clientState,
        expirationDateTime: new Date(
          runtime.now().getTime() + runtime.config.SUBSCRIPTION_MAX_MINUTES * 60_000,
        ).toISOString(),
      });
      await runtime.repos.subscriptions.upsert({
        subscriptionId: granted.id,
        integrationId: integration.id,
        userId: id,
        clientState,
        resource: granted.resource,
        expiresAt: granted.expirationDateTime,
      });
      await runtime.repos.users.upsert({ ...user, subscriptionId: granted.id });
    });
    const config = runtime.config;
    simulator.clock.advance(
      (config.SUBSCRIPTION_MAX_MINUTES - config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 1) * 60_000,
    );
    graphRequests = 0;
    const wallStart = performance.now();
    const simulatedStart = simulator.clock.now().getTime();
    const report = await runMaintenance({
      sleep: simulatedSleep(simulator.clock),
      ...deps,
      queue: runtime.queue,
      renewMarginMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
      createsPerRun: config.SUBSCRIPTION_CREATES_PER_RUN,
      catchUpMinutes: config.CATCH_UP_MINUTES,
      retentionDays: config.RETENTION_DAYS,
      coalesceSeconds: config.SYNC_COALESCE_SECONDS,
    });
    return {
      subscriptions: count,
      graphRequests,
      lowerBound: Math.ceil(count / 20),
      renewed: report.renewed,
      wallMs: performance.now() - wallStart,
      simulatedMs: simulator.clock.now().getTime() - simulatedStart,
    };
  } finally {
    queue.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await simulator.stop();
  }
}
