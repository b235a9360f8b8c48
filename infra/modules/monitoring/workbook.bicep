// A shared Azure Monitor workbook on the Application Insights resource: the
// service's custom metrics (latency, syncs, webhooks, Graph requests and
// throttles, subscriptions at risk, consent, refused notifications) beside
// the dead letters of its queues. The content is the workbook's JSON model
// (Notebook/1.0 with KqlItem/1.0 queries), built here and stored as
// serializedData (https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-automate).
// The metric names are METRIC_NAMES in shared/telemetry/openTelemetryMetrics.ts.

@description('Name shown for the workbook.')
param displayName string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object = {}

@description('Resource id of the Application Insights resource the queries read.')
param applicationInsightsId string

@description('Resource id of the Service Bus namespace whose dead letters are charted.')
param serviceBusNamespaceId string

var day = 86400000

// One chart per question an operator asks; each query reads the customMetrics table.
var charts = [
  {
    title: 'Notification to PBX answer (ms): median and 95th percentile of the per-minute means'
    query: 'customMetrics | where name == "pbxsync.notification_to_webhook" | extend mean = valueSum / valueCount | summarize p50 = percentile(mean, 50), p95 = percentile(mean, 95) by bin(timestamp, 15m)'
    visualization: 'timechart'
  }
  {
    title: 'Webhooks by outcome'
    query: 'customMetrics | where name == "pbxsync.webhooks" | summarize attempts = sum(valueSum) by outcome = tostring(customDimensions.outcome), bin(timestamp, 15m)'
    visualization: 'barchart'
  }
  {
    title: 'Syncs by outcome'
    query: 'customMetrics | where name == "pbxsync.syncs" | summarize syncs = sum(valueSum) by outcome = tostring(customDimensions.outcome), bin(timestamp, 15m)'
    visualization: 'barchart'
  }
  {
    title: 'Graph requests by kind and status class'
    query: 'customMetrics | where name == "pbxsync.graph.requests" | summarize requests = sum(valueSum) by series = strcat(tostring(customDimensions.kind), " ", tostring(customDimensions.status_class)), bin(timestamp, 15m)'
    visualization: 'timechart'
  }
  {
    title: 'Graph throttling (429/503) by kind'
    query: 'customMetrics | where name == "pbxsync.graph.throttles" | summarize throttled = sum(valueSum) by series = strcat(tostring(customDimensions.kind), " ", tostring(customDimensions.status)), bin(timestamp, 15m)'
    visualization: 'timechart'
  }
  {
    title: 'Subscriptions left expiring or missing by each maintenance run'
    query: 'customMetrics | where name == "pbxsync.subscriptions.at_risk" | summarize subscriptions = max(value) by state = tostring(customDimensions.state), bin(timestamp, 15m)'
    visualization: 'timechart'
  }
  {
    title: 'Consent lost and notifications refused'
    query: 'customMetrics | where name in ("pbxsync.consent.lost", "pbxsync.notifications.refused") | summarize events = sum(valueSum) by series = strcat(name, " ", tostring(customDimensions.reason)), bin(timestamp, 1h)'
    visualization: 'barchart'
  }
]

var content = {
  version: 'Notebook/1.0'
  items: concat(
    [
      {
        type: 1
        name: 'intro'
        content: {
          json: '## pbx-calendar-sync\nWhat the service counts and times (docs/operations.md, "Alerts and metrics"). Dead letters come from the Service Bus namespace.'
        }
      }
    ],
    map(range(0, length(charts)), i => {
      type: 3
      name: 'chart${i}'
      content: {
        version: 'KqlItem/1.0'
        title: charts[i].title
        query: charts[i].query
        size: 0
        timeContext: { durationMs: day }
        queryType: 0
        resourceType: 'microsoft.insights/components'
        visualization: charts[i].visualization
      }
    }),
    [
      {
        type: 10
        name: 'deadLetters'
        content: {
          version: 'MetricsItem/2.0'
          size: 0
          chartType: 2
          resourceType: 'microsoft.servicebus/namespaces'
          metricScope: 0
          resourceIds: [serviceBusNamespaceId]
          timeContext: { durationMs: day }
          metrics: [
            {
              namespace: 'microsoft.servicebus/namespaces'
              metric: 'microsoft.servicebus/namespaces--DeadletteredMessages'
              aggregation: 3
              splitBy: 'EntityName'
            }
          ]
          title: 'Dead-lettered messages per queue'
        }
      }
    ]
  )
  fallbackResourceIds: [applicationInsightsId]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names must be GUIDs; this one is stable per resource group, so a redeploy updates it.
  name: guid(resourceGroup().id, 'pbx-calendar-sync-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(content)
  }
}

@description('Resource id of the workbook.')
output workbookId string = workbook.id
