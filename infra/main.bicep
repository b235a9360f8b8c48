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

@description('Object id of the operator running the deployment; gets Key Vault Secrets Officer on the credentials vault to set the Graph secrets. Empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@minLength(1)
@description('Client id of the multi-tenant Entra app customers consent to (GRAPH_CLIENT_ID).')
param graphClientId string

@secure()
@description('Client secret of that app, the fallback to the federated credential; stored in the credentials vault as graph-client-secret. Empty: no secret and no GRAPH_CLIENT_SECRET setting while graphFederatedCredential is on.')
param graphClientSecret string = ''

@description('The app identity signs in to the Graph app as its federated identity credential (GRAPH_FEDERATED_IDENTITY_CLIENT_ID); the operator adds the credential to the app registration from the GRAPH_FEDERATED_CREDENTIAL_* outputs.')
param graphFederatedCredential bool = true

@description('Client id of the second multi-tenant app for the scoped consent mode (GRAPH_SCOPED_CLIENT_ID); it has no calendar permission. Empty: no scoped mode.')
param graphScopedClientId string = ''

@secure()
@description('Client secret of the scoped app; stored in the credentials vault as graph-scoped-client-secret. Empty leaves it to `az keyvault secret set`.')
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

@description('Prefix for the app\'s table names: a letter, then letters and digits.')
@minLength(1)
@maxLength(20)
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

@description('Always-ready instances for the HTTP functions: no cold start on Graph\'s notifications, billed while idle (docs/operations.md). 0 scales to zero.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('Send all outbound traffic through a virtual network with a NAT gateway and a static public IP (OUTBOUND_IP_ADDRESS), for customers and PBXes that allow-list callers. Costs extra (docs/operations.md).')
param staticOutboundIp bool = false

@description('`recover` to redeploy an environment whose vaults `azd down` left soft-deleted (purge protection keeps them 90 days); `default` otherwise. Applies to both vaults.')
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
// Every table the app uses, without the prefix: TABLE_NAMES in shared/storage/tableClients.ts
// (test/infra/armTemplate.test.ts keeps the two equal).
var appTableNames = [
  'Integrations'
  'Users'
  'Subscriptions'
  'Absences'
  'Deliveries'
  'ConsentLinks'
  'Bookings'
  'BookingLog'
]
var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  identity: 'id-${environmentName}-${token}'
  plan: 'plan-${environmentName}-${token}'
  functionApp: 'func-${environmentName}-${token}'
  storage: take('st${shortName}${token}', 24)
  serviceBus: 'sb-${environmentName}-${token}'
  keyVault: take('kv${shortName}${token}', 24)
  credentialsVault: take('kvc${shortName}${token}', 24)
  logAnalytics: 'log-${environmentName}-${token}'
  applicationInsights: 'appi-${environmentName}-${token}'
  deploymentContainer: 'app-package'
  virtualNetwork: 'vnet-${environmentName}-${token}'
  natGateway: 'ng-${environmentName}-${token}'
  publicIp: 'pip-${environmentName}-${token}'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
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
    tablePrefix: tablePrefix
    tableNames: appTableNames
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
      // Data Owner, not Sender + Receiver: the Functions scaler reads queue and session counts
      // with the Manage right ("with Listen rights scaling reverts to incremental scale"), and so
      // does the dashboard's ServiceBusAdministrationClient. Data Owner is the only built-in role
      // with it; it covers sending and receiving too. docs/operations.md has the narrower options.
      // https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling#service-bus-queues-and-topics
      // https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#identity-based-connections
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.serviceBusDataOwner
        description: 'Send and receive syncs and deliveries; read queue counts for target-based scaling and the dashboard'
      }
    ]
  }
}

// Two vaults, so each identity gets only the right it needs. This one holds the PBX signing
// secrets, which the app creates, rotates and deletes at run time.
module keyVault 'modules/security/keyVault.bicep' = {
  scope: rg
  params: {
    name: names.keyVault
    location: location
    createMode: keyVaultCreateMode
    tags: allTags
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        // Officer, not User: Secrets User cannot write; Officer is the narrowest built-in role that can.
        roleDefinitionId: builtInRoles.keyVaultSecretsOfficer
        description: 'Create, read, rotate and delete PBX signing secrets'
      }
    ]
  }
}

// The Graph client secrets: the operator (or this deployment) writes them, the app only reads
// them through its Key Vault references, so a leaked app identity cannot replace them.
module credentialsVault 'modules/security/keyVault.bicep' = {
  scope: rg
  params: {
    name: names.credentialsVault
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
          roleDefinitionId: builtInRoles.keyVaultSecretsUser
          description: 'Read the Graph client secrets (Key Vault references)'
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

module network 'modules/network/staticOutbound.bicep' = if (staticOutboundIp) {
  scope: rg
  params: {
    virtualNetworkName: names.virtualNetwork
    natGatewayName: names.natGateway
    publicIpName: names.publicIp
    location: location
    tags: allTags
  }
}

var authorityHost = empty(graphAuthorityHost) ? entraLoginHost : graphAuthorityHost

// The scoped consent mode's app, only when one is given: the code wants its id
// and secret together or not at all, and the secret only ever as a reference.
var scopedGraphAppSettings = empty(graphScopedClientId)
  ? {}
  : {
      GRAPH_SCOPED_CLIENT_ID: graphScopedClientId
      GRAPH_SCOPED_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${credentialsVault.outputs.vaultUri}secrets/${credentialsVault.outputs.graphScopedClientSecretName})'
    }

// The Graph app's secret is the fallback to the federated credential: the setting exists when a
// secret is given, or when there is no federated credential (then the operator sets the secret
// after the deployment, as before). A reference without a version: App Service picks up a new
// secret version within a day, or at once on restart.
var graphSecretAppSettings = !empty(graphClientSecret) || !graphFederatedCredential
  ? {
      GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${credentialsVault.outputs.vaultUri}secrets/${credentialsVault.outputs.graphClientSecretName})'
    }
  : {}

// The user-assigned identity as the Graph app's federated identity credential: the app gets a
// token for api://AzureADTokenExchange with this identity and presents it instead of a secret.
// https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
var graphFederatedAppSettings = graphFederatedCredential
  ? {
      GRAPH_FEDERATED_IDENTITY_CLIENT_ID: identity.outputs.clientId
    }
  : {}

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
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    virtualNetworkSubnetId: staticOutboundIp ? network!.outputs.appSubnetId : ''
    enableEntraAuth: enableEntraAuth
    authClientId: authClientId
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    appSettings: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      GRAPH_CLIENT_ID: graphClientId
      GRAPH_BASE_URL: graphBaseUrl
      GRAPH_AUTHORITY_HOST: authorityHost
      // The admin consent page lives on the same Entra endpoint the tokens come from.
      CONSENT_AUTHORITY_HOST: authorityHost
      SUBSCRIPTION_MAX_MINUTES: string(subscriptionMaxMinutes)
      DEFAULT_TIME_ZONE: defaultTimeZone
      TABLES_ENDPOINT: storage.outputs.tableEndpoint
      TABLE_PREFIX: tablePrefix
      // The tables above exist before the app starts; it need not create them.
      STORAGE_TABLES_PROVISIONED: 'true'
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
    optionalAppSettings: union(scopedGraphAppSettings, graphSecretAppSettings, graphFederatedAppSettings)
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

@description('Key Vault holding the PBX signing secrets (the app writes them).')
output keyVaultName string = keyVault.outputs.name

@description('Key Vault holding graph-client-secret and graph-scoped-client-secret (the operator writes them, the app reads them).')
output credentialsKeyVaultName string = credentialsVault.outputs.name

@description('Function App name.')
output functionAppName string = functionApp.outputs.name

@description('Whether App Service Authentication guards the management API and the console.')
output entraAuthEnabled bool = enableEntraAuth

@description('The static address all outbound traffic leaves from, for allow-lists; empty without staticOutboundIp.')
output OUTBOUND_IP_ADDRESS string = staticOutboundIp ? network!.outputs.outboundIpAddress : ''

// Names azd stores in the environment (.azure/<env>/.env) for later commands.
@description('Region of the deployment.')
output AZURE_LOCATION string = location
@description('Tenant of the subscription (and of the app identity).')
output AZURE_TENANT_ID string = tenant().tenantId
@description('Resource group holding this customer\'s resources.')
output AZURE_RESOURCE_GROUP string = rg.name
@description('Function App name, for az functionapp commands.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
@description('Vault of the PBX signing secrets.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
@description('Service Bus namespace of the sync and deliveries queues.')
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
@description('URI of the vault of the PBX signing secrets.')
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.vaultUri
@description('Vault of the Graph client secrets, for az keyvault secret set.')
output AZURE_CREDENTIALS_KEY_VAULT_NAME string = credentialsVault.outputs.name
@description('URI of the vault of the Graph client secrets.')
output AZURE_CREDENTIALS_KEY_VAULT_ENDPOINT string = credentialsVault.outputs.vaultUri

// The federated identity credential to add to the Graph app registration (docs/operations.md):
// issuer is this tenant's Entra authority, subject the identity's object (principal) id, and
// the audience Entra ID's global token-exchange audience.
// https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
@description('Issuer of the Graph app\'s federated identity credential.')
output GRAPH_FEDERATED_CREDENTIAL_ISSUER string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
@description('Subject of the Graph app\'s federated identity credential: the app identity\'s object (principal) id.')
output GRAPH_FEDERATED_CREDENTIAL_SUBJECT string = identity.outputs.principalId
@description('Audience of the Graph app\'s federated identity credential (Entra ID global service).')
output GRAPH_FEDERATED_CREDENTIAL_AUDIENCE string = 'api://AzureADTokenExchange'
@description('Client id of the app\'s user-assigned identity.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('The api service\'s resource name, for azd deploy.')
output SERVICE_API_NAME string = functionApp.outputs.name
@description('Base URL of the app.')
output SERVICE_API_URI string = baseUrl
