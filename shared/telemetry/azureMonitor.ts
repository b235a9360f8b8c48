// Starts Microsoft's OpenTelemetry distribution for Azure Monitor, once per
// worker process, when the app has an Application Insights connection string
// (Azure sets APPLICATIONINSIGHTS_CONNECTION_STRING; the local host and tests
// have none, and get no exporter and no distro loaded at all).
//
// Only metrics are wanted from it. The Functions host already records every
// invocation and the worker's logs in Application Insights (host.json keeps
// the default telemetryMode), so the distro's HTTP, Azure SDK and console
// instrumentations stay off: they would count the same requests a second time
// and put Graph and PBX URLs into dependency rows. Microsoft documents the
// distro for Functions as started from a file the package.json `main` glob
// loads before the functions, so instrumentations can patch modules in time
// (https://learn.microsoft.com/azure/azure-functions/opentelemetry-howto);
// with none of them on, starting it from the composition root, before the
// first meter is taken, is enough, and keeps it off every cold start that has
// no connection string.

import type { TokenCredential } from '@azure/identity';
import type * as AzureMonitor from '@azure/monitor-opentelemetry';
import { metrics } from '@opentelemetry/api';
import { type Metrics, noMetrics } from './metrics';
import { openTelemetryMetrics } from './openTelemetryMetrics';

const METER_NAME = 'pbx-calendar-sync';

let started = false;

export interface AzureMonitorSettings {
  APPLICATIONINSIGHTS_CONNECTION_STRING?: string | undefined;
}

/**
 * The metrics of this process: exported to Application Insights when a
 * connection string is set, otherwise recorded nowhere. Local auth is off on
 * the Application Insights resource (infra/modules/monitoring/monitoring.bicep),
 * so the exporter signs in with the app's managed identity, which holds
 * Monitoring Metrics Publisher there
 * (https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication).
 */
export function metricsFromSettings(
  settings: AzureMonitorSettings,
  credential: () => TokenCredential,
): Metrics {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return noMetrics;
  if (!started) {
    // Required here, not imported at the top: the distribution is heavy, and runs without it never load it.
    // (A dynamic import() would load its ESM build beside the CommonJS OpenTelemetry this code uses.)
    const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof AzureMonitor;
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString, credential: credential() },
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        console: { enabled: false },
      },
      enableLiveMetrics: false,
    });
    started = true;
  }
  // Taken after the distro registered its MeterProvider: the API hands out a no-op meter before that.
  return openTelemetryMetrics(metrics.getMeter(METER_NAME));
}

/**
 * Sends what is still buffered (metrics go out once a minute) and stops the
 * distribution; a no-op when it never started. For the host's graceful
 * shutdown, when Flex Consumption takes an instance away.
 */
export async function flushMetrics(): Promise<void> {
  if (!started) return;
  const { shutdownAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof AzureMonitor;
  await shutdownAzureMonitor();
}
