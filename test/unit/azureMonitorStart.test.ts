// The Azure Monitor start-up (shared/telemetry/azureMonitor.ts). The real
// distribution would export to Azure, which tests may not reach, so it is
// replaced by a stand-in shaped like its `useAzureMonitor`: it records the
// options and, as the distribution does, registers the global MeterProvider
// (here one with an in-memory reader).

import type { AccessToken, TokenCredential } from '@azure/identity';
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { registerQueue, registerTimer } from '../../functions/http/functionRegistry';
import { metricsFromSettings } from '../../shared/telemetry/azureMonitor';
import { noMetrics } from '../../shared/telemetry/metrics';

class ReadOnDemand extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const distro = {
  loaded: false,
  starts: [] as AzureMonitorOpenTelemetryOptions[],
  shutdowns: 0,
  reader: new ReadOnDemand(),
};

jest.mock('@azure/monitor-opentelemetry', () => {
  distro.loaded = true;
  return {
    useAzureMonitor: (options: AzureMonitorOpenTelemetryOptions) => {
      distro.starts.push(options);
      metrics.setGlobalMeterProvider(new MeterProvider({ readers: [distro.reader] }));
    },
    shutdownAzureMonitor: async () => {
      distro.shutdowns++;
    },
  };
});

// The Functions host's hooks, as @azure/functions would hand them to the host.
const host = { terminateHooks: [] as Array<() => unknown>, functions: [] as string[] };
jest.mock('@azure/functions', () => ({
  ...jest.requireActual('@azure/functions'),
  app: {
    http: (name: string) => host.functions.push(name),
    serviceBusQueue: (name: string) => host.functions.push(name),
    timer: (name: string) => host.functions.push(name),
    hook: { appTerminate: (handler: () => unknown) => host.terminateHooks.push(handler) },
  },
}));

const identity: TokenCredential = { getToken: async (): Promise<AccessToken | null> => null };

describe('the Azure Monitor start-up', () => {
  it('loads no distribution and records nothing without a connection string', async () => {
    expect(metricsFromSettings({}, () => identity)).toBe(noMetrics);
    expect(distro.loaded).toBe(false);
  });

  it('starts the distribution once, metrics only, signed in as the identity, and records through it', async () => {
    const settings = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    };
    const first = metricsFromSettings(settings, () => identity);
    const second = metricsFromSettings(settings, () => identity);
    expect(distro.starts).toHaveLength(1);
    expect(distro.starts[0]).toMatchObject({
      azureMonitorExporterOptions: {
        connectionString: settings.APPLICATIONINSIGHTS_CONNECTION_STRING,
        credential: identity,
      },
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        console: { enabled: false },
      },
    });

    // The meter is the distribution's, not the no-op one the API hands out before it starts.
    first.syncFinished('synced');
    second.syncFinished('synced');
    const { resourceMetrics } = await distro.reader.collect();
    const points = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === 'pbxsync.syncs')
      .flatMap((metric) => metric.dataPoints as readonly DataPoint<number>[]);
    expect(points.map((point) => [point.attributes, point.value])).toEqual([[{ outcome: 'synced' }, 2]]);
  });

  it('sends the buffered metrics when the host shuts down gracefully, with one hook for all functions', async () => {
    const localHost = process.env.LOCAL_HOST;
    delete process.env.LOCAL_HOST;
    metricsFromSettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=0' }, () => identity);
    registerTimer('maintenanceProbe', { schedule: '0 */15 * * * *', handler: async () => undefined });
    registerQueue('deliverProbe', {
      queueName: 'deliveries',
      connection: 'x',
      handler: async () => undefined,
    });
    expect(host.functions).toEqual(['maintenanceProbe', 'deliverProbe']);
    expect(host.terminateHooks).toHaveLength(1);
    const before = distro.shutdowns;
    await host.terminateHooks[0]!();
    expect(distro.shutdowns).toBe(before + 1);
    if (localHost !== undefined) process.env.LOCAL_HOST = localHost;
  });
});
