// The alerts an operator needs to run the service from Azure Monitor, and the
// action group that mails them (only when an address is given; without one the
// alerts still fire and show in the portal's Alerts view).
//
// Dead letters are a platform metric of the Service Bus namespace, so a metric
// alert watches them. The service's own numbers are OpenTelemetry custom
// metrics in Application Insights: all their dimensions are kept in its log
// store (the customMetrics table), while the metrics store gets them without
// dimensions unless "alerting on custom metric dimensions" is turned on, at
// extra cost
// (https://learn.microsoft.com/azure/azure-monitor/app/pre-aggregated-metrics-log-metrics).
// So those alerts are log search alerts on the Application Insights resource,
// which can filter on a dimension such as the webhook outcome
// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule).
// The metric names are METRIC_NAMES in shared/telemetry/openTelemetryMetrics.ts.

@description('Prefix of the alert names (the azd environment name).')
param namePrefix string

@description('Azure region of the log search alerts.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Resource id of the Application Insights resource the service sends its metrics to.')
param applicationInsightsId string

@description('Resource id of the Service Bus namespace holding the sync and deliveries queues.')
param serviceBusNamespaceId string

@description('Where alert mails go; empty: no action group, alerts show in the portal only.')
param alertEmail string = ''

@description('Notification POSTs answered 5xx in 15 minutes before alerting. Graph redelivers them, so a few are survivable.')
@minValue(0)
param notificationErrorThreshold int = 0

// Short names are what SMS and mail subjects show; 12 characters at most.
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('pbx${namePrefix}', 12)
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [actionGroup.id]

// DeadletteredMessages: count per queue (EntityName), Average/Minimum/Maximum, every minute
// (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-servicebus-namespaces-metrics).
// The service's retries are scheduled messages of its own, so anything here is a message
// the trigger gave up on after maxDeliveryCount: an operator looks at it.
resource deadLetters 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: 'alert-${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'A queue holds dead-lettered messages: a sync or a webhook the trigger gave up on.'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'deadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [for id in actionGroupIds: { actionGroupId: id }]
  }
}

// Each rule: one KQL query over the customMetrics table, the column it measures, and when it fires.
var logAlerts = [
  {
    key: 'webhook-failures'
    displayName: 'PBX webhooks failing'
    description: 'Webhooks the PBX refused, that ran out of attempts, or whose endpoint answered 410 Gone: the PBX did not get a change.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: '''
customMetrics
| where name == "pbxsync.webhooks"
| where tostring(customDimensions.outcome) in ("failed", "gone")
| summarize failures = sum(valueSum)
'''
    measure: 'failures'
    aggregation: 'Total'
    threshold: 0
    dimensions: []
  }
  {
    key: 'subscriptions-at-risk'
    displayName: 'Graph subscriptions expiring or missing'
    description: 'Every maintenance run of the last hour left subscriptions it could not renew, or users without one: their calendar changes are not (or soon not) notified.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    // The gauge is recorded once per run (every 15 minutes); the smallest run of the hour must be above zero.
    query: '''
customMetrics
| where name == "pbxsync.subscriptions.at_risk"
| extend state = tostring(customDimensions.state)
| summarize perRun = max(value) by state, bin(timestamp, 15m)
| summarize atRisk = min(perRun) by state
'''
    measure: 'atRisk'
    aggregation: 'Maximum'
    threshold: 0
    dimensions: [
      {
        name: 'state'
        operator: 'Include'
        values: ['*']
      }
    ]
  }
  {
    key: 'consent-lost'
    displayName: 'A customer tenant refuses the app'
    description: 'An integration lost its admin consent or a permission the sync needs; nothing is synced for it until an admin consents again.'
    severity: 1
    frequency: 'PT15M'
    window: 'PT15M'
    query: '''
customMetrics
| where name == "pbxsync.consent.lost"
| extend reason = tostring(customDimensions.reason)
| summarize lost = sum(valueSum) by reason
'''
    measure: 'lost'
    aggregation: 'Total'
    threshold: 0
    dimensions: [
      {
        name: 'reason'
        operator: 'Include'
        values: ['*']
      }
    ]
  }
  {
    key: 'notification-errors'
    displayName: 'Graph notifications answered 5xx'
    description: 'The notification endpoints answered 5xx: Graph delivers again for up to 4 hours, then drops the notifications.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    // Requests, not the custom metric: a crash answers 500 without recording anything.
    query: '''
requests
| where name in ("graphNotifications", "graphLifecycle")
| where toint(resultCode) >= 500
| summarize errors = count()
'''
    measure: 'errors'
    aggregation: 'Total'
    threshold: notificationErrorThreshold
    dimensions: []
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in logAlerts: {
    name: 'alert-${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [applicationInsightsId]
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            operator: 'GreaterThan'
            threshold: rule.threshold
            dimensions: rule.dimensions
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: actionGroupIds
      }
    }
  }
]

@description('Names of the alert rules.')
output alertNames string[] = concat([deadLetters.name], map(logAlerts, rule => 'alert-${namePrefix}-${rule.key}'))
