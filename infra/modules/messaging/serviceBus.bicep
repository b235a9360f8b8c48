// Service Bus namespace with the two work queues. Local (SAS) auth is off, so
// only Entra identities with a data role can send or receive.

import { roleAssignmentType } from '../authorization/builtInRoles.bicep'

@description('Namespace name: 6-50 letters, digits and hyphens, globally unique.')
@minLength(6)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object = {}

@description('How long Service Bus remembers a message id to drop duplicates (ISO 8601).')
param duplicateDetectionWindow string = 'PT10M'

@description('Deliveries before a message goes to the dead-letter queue.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 10

@description('Log Analytics workspace (same resource group) that receives the namespace metrics (dead letters, throttling); empty sends none.')
param workspaceName string = ''

@description('Roles to grant on the namespace.')
param roleAssignments roleAssignmentType[] = []

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  // Standard: sessions and duplicate detection need it; Basic has neither.
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// One message per user to sync. Sessions keyed by user id give one sync per
// user at a time, so delta links never race; duplicate detection folds a
// burst of notifications for the same user into one sync.
resource syncQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: 'sync'
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    // The Functions host renews the lock while a sync runs; a short lock
    // hands a crashed worker's session to another one quickly.
    lockDuration: 'PT1M'
    maxDeliveryCount: maxDeliveryCount
    // A sync older than a day is stale: the maintenance timer catches up anyway.
    defaultMessageTimeToLive: 'P1D'
    deadLetteringOnMessageExpiration: true
    enablePartitioning: false
  }
}

// One message per webhook to a PBX. Duplicate detection drops a delivery
// enqueued twice by a retried sync.
resource deliveriesQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: 'deliveries'
  properties: {
    requiresSession: false
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    lockDuration: 'PT1M'
    maxDeliveryCount: maxDeliveryCount
    defaultMessageTimeToLive: 'P2D'
    deadLetteringOnMessageExpiration: true
    enablePartitioning: false
  }
}

// Metrics such as DeadletteredMessages land in AzureMetrics, next to the app's telemetry.
resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' existing = if (!empty(workspaceName)) {
  name: workspaceName
}

// The only GA version, 2016-09-01, has no categoryGroup ('allLogs'); this preview is the
// newest version there is. https://learn.microsoft.com/azure/templates/microsoft.insights/diagnosticsettings
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(workspaceName)) {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: workspace.id
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource namespaceRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in roleAssignments: {
    name: guid(namespace.id, assignment.principalId, assignment.roleDefinitionId)
    scope: namespace
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
      description: assignment.description
    }
  }
]

@description('Name of the namespace.')
output name string = namespace.name

@description('Host name the SDK and the trigger connect to, e.g. sb-contoso.servicebus.windows.net.')
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

@description('Queue names.')
output queueNames object = {
  sync: syncQueue.name
  deliveries: deliveriesQueue.name
}
