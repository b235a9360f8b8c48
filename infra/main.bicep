// One customer's pbx-calendar-sync: a resource group holding the Function App
// (Flex Consumption), its managed identity, storage, Service Bus, Key Vault
// and monitoring. Deployed with `azd up` in an azd environment named for the
// customer; every parameter comes from that environment (main.bicepparam).
targetScope = 'subscription'

import { builtInRoles } from 'modules/authorization/builtInRoles.bicep'

@minLength(1)
@maxLength(20)
@description('azd environment name, one per customer (e.g. contoso); names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group name; empty gives rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the operator running the deployment; gets Key Vault Secrets Officer to set the Graph secret. Empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@minLength(1)
@description('Client id of the multi-tenant Entra app customers consent to (GRAPH_CLIENT_ID).')
param graphClientId string

@secure()
@description('Client secret of that app; stored in Key Vault as graph-client-secret. Empty leaves it to `az keyvault secret set`.')
param graphClientSecret string = ''

@description('Client id of the second multi-tenant app for the scoped consent mode (GRAPH_SCOPED_CLIENT_ID); it has no calendar permission. Empty: no scoped mode.')
param graphScopedClientId string = ''

@secure()
@description('Client secret of the scoped app; stored in Key Vault as graph-scoped-client-secret. Empty leaves it to `az keyvault secret set`.')
param graphScopedClientSecret string = ''

@description('Microsoft Graph host without version (the app appends v1.0).')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('Token endpoint host; empty uses the cloud\'s Entra endpoint.')
param graphAuthorityHost string = ''

@description('Requested Graph subscription lifetime in minutes; Graph may grant less.')
@minValue(45)
param subscriptionMaxMinutes int = 10080

@description('IANA time zone for all-day entries when a mailbox\'s own zone cannot be read (DEFAULT_TIME_ZONE).')
param defaultTimeZone string = 'Europe/Stockholm'

@description('Comma-separated host names or IP literals a PBX URL may use although they are private addresses (PBX_ALLOWED_PRIVATE_HOSTS); empty allows none.')
param pbxAllowedPrivateHosts string = ''

@description('Prefix for the app\'s table names.')
param tablePrefix string = 'pbxsync'

@description('Timeout of one PBX webhook call, in milliseconds.')
@minValue(1000)
param pbxTimeoutMs int = 10000

@description('Put App Service Authentication (Entra ID) in front of the management API (/api/manage) and the console (/api/console).')
param enableEntraAuth bool = true

@description('Client id of the Entra app registration operators sign in to; required when enableEntraAuth is true.')
param authClientId string = ''

@description('Tenant whose users may sign in to the management API and console; empty is the deployment tenant.')
param authTenantId string = ''

@description('Most Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('`recover` to redeploy an environment whose vault `azd down` left soft-deleted (purge protection keeps it 90 days); `default` otherwise.')
@allowed(['default', 'recover'])
param keyVaultCreateMode string = 'default'

@description('Extra tags for every resource.')
param tags object = {}

@description('Where Azure Monitor mails alerts (dead letters, failing webhooks, subscriptions, consent, notification errors); empty: portal only.')
param alertEmail string = ''

// The cloud's Entra endpoint without its trailing slash, as GRAPH_AUTHORITY_HOST expects.
var entraLoginHost = 'https://${split(environment().authentication.loginEndpoint, '/')[2]}'
var allTags = union(tags, { 'azd-env-name': environmentName })
var token = toLower(uniqueString(subscription().id, environmentName, location))
// Only letters and digits survive in storage and vault names.
var shortName = toLower(take(replace(replace(environmentName, '-', ''), '_', ''), 8))
var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  identity: 'id-${environmentName}-${token}'
  plan: 'plan-${environmentName}-${token}'
  functionApp: 'func-${environmentName}-${token}'
  storage: take('st${shortName}${token}', 24)
  serviceBus: 'sb-${environmentName}-${token}'
  keyVault: take('kv${shortName}${token}', 24)
  logAnalytics: 'log-${environmentName}-${token}'
  applicationInsights: 'appi-${environmentName}-${token}'
  deploymentContainer: 'app-package'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: allTags
}

module identity 'modules/identity/userAssignedIdentity.bicep' = {
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: allTags
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.monitoringMetricsPublisher
        description: 'Send telemetry with Entra ID (local auth is off)'
      }
    ]
  }
}

module storage 'modules/storage/storageAccount.bicep' = {
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: allTags
    deploymentContainerName: names.deploymentContainer
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.storageBlobDataOwner
        description: 'Functions host storage and the Flex Consumption deployment package'
      }
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.storageTableDataContributor
        description: 'The app\'s tables'
      }
      // No queue role: nothing here uses Storage queues (no blob triggers, no Durable Functions).
    ]
  }
}

module serviceBus 'modules/messaging/serviceBus.bicep' = {
  scope: rg
  dependsOn: [monitoring]
  params: {
    name: names.serviceBus
    location: location
    tags: allTags
    // A name known before deployment (not an output) keeps what-if precise; dependsOn orders it.
    workspaceName: names.logAnalytics
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.serviceBusDataSender
        description: 'Enqueue syncs and deliveries'
      }
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.serviceBusDataReceiver
        description: 'Service Bus triggers of syncUser and deliverWebhook'
      }
    ]
  }
}

module keyVault 'modules/security/keyVault.bicep' = {
  scope: rg
  params: {
    name: names.keyVault
    location: location
    createMode: keyVaultCreateMode
    tags: allTags
    graphClientSecret: graphClientSecret
    graphScopedClientSecret: graphScopedClientSecret
    roleAssignments: concat(
      [
        {
          principalId: identity.outputs.principalId
          principalType: 'ServicePrincipal'
          // Officer, not User: the app creates and deletes PBX signing secrets at run time.
          // Secrets User cannot write; Officer is the narrowest built-in role that can,
          // and it covers the reads of the Graph secret references too.
          roleDefinitionId: builtInRoles.keyVaultSecretsOfficer
          description: 'Read the Graph secrets; create, read and delete PBX signing secrets'
        }
      ],
      empty(principalId)
        ? []
        : [
            {
              principalId: principalId
              principalType: principalType
              roleDefinitionId: builtInRoles.keyVaultSecretsOfficer
              description: 'Operator sets and rotates the Graph client secrets'
            }
          ]
    )
  }
}

var authorityHost = empty(graphAuthorityHost) ? entraLoginHost : graphAuthorityHost

// The scoped consent mode's app, only when one is given: the code wants its id
// and secret together or not at all, and the secret only ever as a reference.
var scopedGraphAppSettings = empty(graphScopedClientId)
  ? {}
  : {
      GRAPH_SCOPED_CLIENT_ID: graphScopedClientId
      GRAPH_SCOPED_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${keyVault.outputs.graphScopedClientSecretName})'
    }

module functionApp 'modules/web/functionApp.bicep' = {
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: allTags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    hostStorageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    enableEntraAuth: enableEntraAuth
    authClientId: authClientId
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    appSettings: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      GRAPH_CLIENT_ID: graphClientId
      // A reference without a version: App Service picks up a new secret version within a day, or at once on restart.
      GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${keyVault.outputs.graphClientSecretName})'
      GRAPH_BASE_URL: graphBaseUrl
      GRAPH_AUTHORITY_HOST: authorityHost
      // The admin consent page lives on the same Entra endpoint the tokens come from.
      CONSENT_AUTHORITY_HOST: authorityHost
      SUBSCRIPTION_MAX_MINUTES: string(subscriptionMaxMinutes)
      DEFAULT_TIME_ZONE: defaultTimeZone
      TABLES_ENDPOINT: storage.outputs.tableEndpoint
      TABLE_PREFIX: tablePrefix
      QUEUE_MODE: 'servicebus'
      ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identity.outputs.clientId
      KEY_VAULT_URL: keyVault.outputs.vaultUri
      AZURE_CLIENT_ID: identity.outputs.clientId
      PBX_TIMEOUT_MS: string(pbxTimeoutMs)
      PBX_ALLOW_INSECURE_LOOPBACK: 'false'
      PBX_ALLOWED_PRIVATE_HOSTS: pbxAllowedPrivateHosts
    }
    optionalAppSettings: scopedGraphAppSettings
  }
}

// Operating it from Azure Monitor: alert rules and a workbook on the service's metrics (docs/operations.md).
var monitoredIds = {
  applicationInsights: resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Insights/components', names.applicationInsights)
  serviceBus: resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.ServiceBus/namespaces', names.serviceBus)
}
module alerts 'modules/monitoring/alerts.bicep' = {
  scope: rg
  // Ids known before deployment (not outputs) keep what-if precise; dependsOn orders it.
  dependsOn: [monitoring, serviceBus]
  params: {
    namePrefix: environmentName
    location: location
    tags: allTags
    applicationInsightsId: monitoredIds.applicationInsights
    serviceBusNamespaceId: monitoredIds.serviceBus
    alertEmail: alertEmail
  }
}

module workbook 'modules/monitoring/workbook.bicep' = {
  scope: rg
  dependsOn: [monitoring, serviceBus]
  params: {
    displayName: 'pbx-calendar-sync ${environmentName}'
    location: location
    tags: allTags
    applicationInsightsId: monitoredIds.applicationInsights
    serviceBusNamespaceId: monitoredIds.serviceBus
  }
}

var baseUrl = 'https://${functionApp.outputs.defaultHostName}'

@description('Where Graph sends change notifications (notificationUrl of each subscription).')
output notificationUrl string = '${baseUrl}/api/graph/notifications'

@description('Where Graph sends lifecycle notifications (lifecycleNotificationUrl).')
output lifecycleNotificationUrl string = '${baseUrl}/api/graph/lifecycle'

@description('Consent links start here (<consentLinkBase><integration id>).')
output consentLinkBase string = '${baseUrl}/api/consent/'

@description('Redirect URI to register on the Graph app (and on the scoped app, if any).')
output consentCallbackUrl string = '${baseUrl}/api/consent/callback'

@description('Base of the management API (function key required); its OpenAPI document is <managementApiUrl>/openapi.json.')
output managementApiUrl string = '${baseUrl}/api/manage'

@description('The operator console (function key as ?code=).')
output consoleUrl string = '${baseUrl}/api/console'

@description('Key Vault holding graph-client-secret (graph-scoped-client-secret) and the PBX signing secrets.')
output keyVaultName string = keyVault.outputs.name

@description('Function App name.')
output functionAppName string = functionApp.outputs.name

@description('Whether App Service Authentication guards the management API and the console.')
output entraAuthEnabled bool = enableEntraAuth

// Names azd stores in the environment (.azure/<env>/.env) for later commands.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.vaultUri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = baseUrl
