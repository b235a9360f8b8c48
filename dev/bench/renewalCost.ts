// Renewing N due subscriptions in one maintenance run under Graph's
// subscription write limit (enforced by the simulator, on its clock), and the
// naive renewer on the same subscriptions in the same run: one PATCH at a
// time, waiting out each 429's Retry-After, one upsert per renewal. Table
// Storage requests are counted on the wire (tableRequestCounter.ts).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@microsoft/microsoft-graph-client';
import { loadConfig } from '../../shared/config';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { classifyGraphError } from '../../shared/graph/graphErrors';
import { newClientState } from '../../shared/graph/subscriptions';
import { createRuntime } from '../../shared/runtime';
import type { IntegrationRecord, SubscriptionRecord, UserRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { RUN_BUDGET_MS, runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { startGraphSimulator } from '../graphSimulator/graphSimulator';
import { silentLogger } from '../localHost/consoleLogger';
import { DEMO_TENANT } from '../localHost/demoTenant';
import { createInProcessQueue } from '../localHost/inProcessQueue';
import { createMemorySecretStore } from '../localHost/memorySecretStore';
import { inParallel } from './percentiles';
import { countTableRequests } from './tableRequestCounter';

export interface RenewalRun {
  graphRequests: number;
  renewed: number;
  /** Table Storage writes (each a request, an entity-group transaction being one) to store the renewals. */
  tableWrites: number;
  /** This machine's time for the run. */
  wallMs: number;
  /** The run's time on the simulator's clock, its waits for Graph's write limit included. */
  simulatedMs: number;
}

export interface RenewalCost extends RenewalRun {
  subscriptions: number;
  lowerBound: number;
  /** The maintenance run's deadline for its writes (its budget). */
  budgetMs: number;
  /** Ours, left for the next run because no room was left before the deadline. */
  deferred: number;
  /** When ours had stored its last renewal, on the simulator's clock from the run's start. */
  renewalsDoneMs: number;
  /** The naive renewer on the same subscriptions, after ours. */
  naive: RenewalRun & { throttled: number };
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
 * Graph requests, Table writes and time one maintenance run spends to renew N
 * subscriptions that are all due, under Graph's subscription write limit
 * (simulated time), then the naive renewer's on the same N. The lower bound
 * is one $batch call per 20 subscriptions.
 */
export async function measureRenewalCost(
  count: number,
  tablesConnectionString: string,
): Promise<RenewalCost> {
  const simulator = await startGraphSimulator({ port: 0, subscriptionWriteLimit: GRAPH_WRITE_LIMIT });
  const tables = await countTableRequests(tablesConnectionString);
  // Writes only: the run's reads (users, subscriptions, the purge's partitions) are not the renewals' cost.
  const tableWrites = () => tables.requests().filter((r) => !r.startsWith('GET ')).length;
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
        TABLES_CONNECTION_STRING: tables.connectionString,
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
      // The renewals alone: the run's read of every mailbox's automatic replies (⌈N/20⌉ $batch
      // calls more) is counted in the simulated-hour row, where it belongs to the hour's cost.
      ruleSet: {
        ...presetRuleSet('availability-default'),
        automaticReplies: { sync: false, callHandling: 'information' },
      },
      rulesVersion: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await runtime.repos.integrations.create(integration);
    // A deployment copied its old rows long ago (once, see tableRepositories.ts); not the renewal's cost.
    await runtime.repos.subscriptions.ensureIntegrationIndex();
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
    tables.reset();
    const wallStart = performance.now();
    const simulatedStart = simulator.clock.now().getTime();
    // When the last renewal was stored: the run goes on with the retention purge afterwards.
    let renewalsDoneAt = simulatedStart;
    const { subscriptions: rows } = runtime.repos;
    const report = await runMaintenance({
      sleep: simulatedSleep(simulator.clock),
      ...deps,
      repos: {
        ...runtime.repos,
        subscriptions: {
          ...rows,
          upsertMany: async (records) => {
            await rows.upsertMany(records);
            renewalsDoneAt = Math.max(renewalsDoneAt, simulator.clock.now().getTime());
          },
        },
      },
      queue: runtime.queue,
      renewMarginMinutes: config.SUBSCRIPTION_RENEW_MARGIN_MINUTES,
      createsPerRun: config.SUBSCRIPTION_CREATES_PER_RUN,
      catchUpMinutes: config.CATCH_UP_MINUTES,
      retentionDays: config.RETENTION_DAYS,
      coalesceSeconds: config.SYNC_COALESCE_SECONDS,
    });
    const ours = {
      graphRequests,
      renewed: report.renewed,
      tableWrites: tableWrites(),
      wallMs: performance.now() - wallStart,
      simulatedMs: simulator.clock.now().getTime() - simulatedStart,
      renewalsDoneMs: renewalsDoneAt - simulatedStart,
    };

    // The same subscriptions once more, the naive way, starting with a window Graph has forgotten.
    simulator.clock.advance(GRAPH_WRITE_LIMIT.windowSeconds * 1000);
    const subscriptions = await runtime.repos.subscriptions.listByIntegration(integration.id);
    graphRequests = 0;
    tables.reset();
    const naiveWallStart = performance.now();
    const naiveSimulatedStart = simulator.clock.now().getTime();
    const naive = await renewOneByOne(runtime.graphFor(integration), subscriptions, {
      repos: runtime.repos,
      now: runtime.now,
      sleep: simulatedSleep(simulator.clock),
      minutes: config.SUBSCRIPTION_MAX_MINUTES,
    });
    return {
      subscriptions: count,
      lowerBound: Math.ceil(count / 20),
      budgetMs: RUN_BUDGET_MS,
      deferred: report.deferred,
      ...ours,
      naive: {
        ...naive,
        graphRequests,
        tableWrites: tableWrites(),
        wallMs: performance.now() - naiveWallStart,
        simulatedMs: simulator.clock.now().getTime() - naiveSimulatedStart,
      },
    };
  } finally {
    queue.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await simulator.stop();
    await tables.stop();
  }
}

/**
 * The naive renewer: one PATCH per subscription, one at a time, each 429
 * waited out for its Retry-After and the same PATCH sent again, each renewal
 * stored with the repository's one-row upsert. No deadline: its time is what
 * it took.
 */
async function renewOneByOne(
  client: Client,
  subscriptions: readonly SubscriptionRecord[],
  deps: {
    repos: Pick<Repositories, 'subscriptions'>;
    now: () => Date;
    sleep: (ms: number) => Promise<void>;
    minutes: number;
  },
): Promise<{ renewed: number; throttled: number }> {
  let renewed = 0;
  let throttled = 0;
  for (const subscription of subscriptions) {
    for (;;) {
      try {
        const granted: { expirationDateTime?: string } = await client
          .api(`/subscriptions/${encodeURIComponent(subscription.subscriptionId)}`)
          .patch({
            expirationDateTime: new Date(deps.now().getTime() + deps.minutes * 60_000).toISOString(),
          });
        await deps.repos.subscriptions.upsert({
          ...subscription,
          expiresAt: granted.expirationDateTime ?? subscription.expiresAt,
        });
        renewed++;
        break;
      } catch (error) {
        const failure = classifyGraphError(error);
        if (failure?.kind !== 'throttled') throw error;
        throttled++;
        await deps.sleep(failure.retryAfterSeconds * 1000);
      }
    }
  }
  return { renewed, throttled };
}
