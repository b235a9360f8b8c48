// The metrics port on the OpenTelemetry metrics API. In Azure the meter comes
// from the Azure Monitor distribution (azureMonitor.ts), which exports every
// instrument to Application Insights as a custom metric; its attributes become
// the metric's customDimensions. Tests pass a meter of an in-memory provider.

import type { Meter } from '@opentelemetry/api';
import { type Metrics, statusClass } from './metrics';

/** The instrument names, as they appear in Application Insights' customMetrics table (and the alert queries). */
export const METRIC_NAMES = {
  notificationToWebhook: 'pbxsync.notification_to_webhook',
  syncs: 'pbxsync.syncs',
  graphRequests: 'pbxsync.graph.requests',
  graphThrottles: 'pbxsync.graph.throttles',
  webhooks: 'pbxsync.webhooks',
  subscriptionsAtRisk: 'pbxsync.subscriptions.at_risk',
  consentLost: 'pbxsync.consent.lost',
  notificationsRefused: 'pbxsync.notifications.refused',
} as const;

export function openTelemetryMetrics(meter: Meter): Metrics {
  const latency = meter.createHistogram(METRIC_NAMES.notificationToWebhook, {
    description: 'From a change notification arriving to the PBX answering 2xx for a webhook it caused',
    unit: 'ms',
  });
  const syncs = meter.createCounter(METRIC_NAMES.syncs, { description: 'Syncs of one user, by outcome' });
  const graphRequests = meter.createCounter(METRIC_NAMES.graphRequests, {
    description: 'HTTP requests to Microsoft Graph, by kind and status class',
  });
  const graphThrottles = meter.createCounter(METRIC_NAMES.graphThrottles, {
    description: 'Graph answers 429 or 503: throttled or busy, usually with Retry-After',
  });
  const webhooks = meter.createCounter(METRIC_NAMES.webhooks, {
    description: 'Webhook delivery attempts, by outcome',
  });
  const atRisk = meter.createGauge(METRIC_NAMES.subscriptionsAtRisk, {
    description: 'Subscriptions the last maintenance run left expiring or missing',
  });
  const consentLost = meter.createCounter(METRIC_NAMES.consentLost, {
    description: 'Integrations that lost consent or a needed permission',
  });
  const refused = meter.createCounter(METRIC_NAMES.notificationsRefused, {
    description: 'Notification POSTs answered 503 so that Graph delivers them again',
  });
  return {
    notificationToWebhook: (milliseconds, type) => latency.record(Math.max(0, milliseconds), { type }),
    syncFinished: (result) => syncs.add(1, { outcome: result }),
    graphRequest: (kind, status, retryAfter) => {
      graphRequests.add(1, { kind, status_class: statusClass(status) });
      // Graph throttles with 429 and sheds load with 503, each saying when to come back
      // (https://learn.microsoft.com/graph/throttling, https://learn.microsoft.com/graph/errors).
      if (status === 429 || status === 503) {
        graphThrottles.add(1, { kind, status: String(status), retry_after: retryAfter ? 'given' : 'absent' });
      }
    },
    webhookAttempted: (result) => webhooks.add(1, { outcome: result }),
    subscriptionsAtRisk: ({ expiring, missing }) => {
      atRisk.record(expiring, { state: 'expiring' });
      atRisk.record(missing, { state: 'missing' });
    },
    consentLost: (why) => consentLost.add(1, { reason: why }),
    notificationRefused: (cause, why) => refused.add(1, { cause, reason: why }),
  };
}
