// The Function App on the Flex Consumption plan (FC1): Node 22, runs as the
// user-assigned identity, deployment package pulled from blob storage with
// that identity, secrets only as Key Vault references, and optional App
// Service Authentication (Entra ID) in front of the management API and the
// operator console.

@description('Function App name; also the default host name prefix.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags for the resources; the site also gets azd-service-name.')
param tags object = {}

@description('Name of the service in azure.yaml, so `azd deploy` finds this app.')
param azdServiceName string = 'api'

@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Client id of that identity.')
param identityClientId string

@description('Storage account the Functions host keeps its leases and keys in.')
param hostStorageAccountName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Most instances Flex may scale out to; caps Graph and PBX concurrency too.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Instances kept running for the HTTP functions (Graph notifications, consent, management); 0 scales to zero.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('Subnet (delegated to Microsoft.App/environments) to integrate with, so all outbound traffic leaves through its NAT gateway; empty: no virtual network.')
param virtualNetworkSubnetId string = ''

@description('Memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// App settings are strings; typing them makes a number or bool passed by mistake a compile error.
type appSettingsType = {
  *: string
}

@description('App settings (plain values and Key Vault references only; never keys or connection strings).')
param appSettings appSettingsType

@description('Settings only some deployments have (the scoped consent mode\'s app); same rules as appSettings.')
param optionalAppSettings appSettingsType = {}

@description('Put App Service Authentication (Entra ID) in front of every route except Graph notifications, consent and the PBX pull endpoint.')
param enableEntraAuth bool

@description('Client id of the Entra app registration that operators sign in to (App Service Authentication).')
param authClientId string

@description('Tenant whose users may sign in to the management API and the console.')
param authTenantId string

// Graph, the customer's Microsoft 365 admin, the customer's Exchange Server,
// the PBX and the call centre have no Entra session in the provider's
// tenant; these routes protect themselves (clientState, signed consent state,
// the EWS subscription's secret in the URL, the integration's PBX API key,
// its booking key). /api/manage and /api/console stay behind sign-in, and
// behind a function key as well.
// excludedPaths: "the paths for which unauthenticated flow would not be
// redirected" (https://learn.microsoft.com/javascript/api/@azure-rest/arm-appservice/globalvalidation).
var unauthenticatedPaths = [
  '/api/graph/notifications'
  '/api/graph/lifecycle'
  '/api/consent/callback'
  '/api/consent/*'
  '/api/pbx/*'
  '/api/exchange/notifications/*'
  '/api/booking/*'
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    // Key Vault references resolve with the user-assigned identity (there is no system identity).
    keyVaultReferenceIdentity: identityResourceId
    // Virtual network integration, when a subnet is given. Application traffic (formerly
    // vnetRouteAllEnabled) sends all outbound calls into the subnet, public destinations
    // included, so PBX webhooks and Graph calls leave from the NAT gateway's address.
    // https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#enable-virtual-network-integration
    // https://learn.microsoft.com/azure/app-service/overview-vnet-integration#application-routing
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    outboundVnetRouting: empty(virtualNetworkSubnetId) ? null : { applicationTraffic: true }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // No ftpsState: Flex Consumption has no FTP(S) deployment at all (the deployment-technology table
      // lists FTPS for Windows plans only, and Flex is Linux), and newer regions refuse the property
      // at deploy time. https://learn.microsoft.com/azure/azure-functions/functions-deployment-technologies
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // `http` is the group all HTTP-triggered functions scale in together; an always-ready
        // instance there answers Graph's first notification after a quiet spell without a cold
        // start. https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#set-always-ready-instance-counts
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Settings left to the code's defaults (shared/config.ts), right for every
// customer so far: CONSENT_LINK_MINUTES, SUBSCRIPTION_RENEW_MARGIN_MINUTES,
// SUBSCRIPTION_CREATES_PER_RUN, CATCH_UP_MINUTES, RETENTION_DAYS,
// DELTA_PAGE_SIZE, SYNC_COALESCE_SECONDS, PBX_RETRY_SCHEDULE_SECONDS,
// PBX_SECRET_ROTATION_HOURS, QUEUE_RETRY_SCHEDULE_SECONDS, PBX_MAX_CONCURRENT_REQUESTS,
// INTEGRATION_CACHE_SECONDS, AUTOMATIC_REPLIES_MAX_AGE_MINUTES,
// BOOKING_RATE_BURST, BOOKING_RATE_PER_MINUTE. Add one to main.bicep's
// appSettings to change it.
resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, optionalAppSettings, {
    // Host storage by identity (Flex Consumption supports no other secret-free way).
    AzureWebJobsStorage__accountName: hostStorageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
  })
}

// Deployments go through azd with Entra ID; the legacy user/password endpoints stay closed.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (enableEntraAuth) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      // An API answers 401; a browser user signs in at /.auth/login/aad first.
      unauthenticatedClientAction: 'Return401'
      excludedPaths: unauthenticatedPaths
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: empty(authClientId) ? fail('authClientId is required when enableEntraAuth is true') : authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}

@description('Name of the Function App.')
output name string = site.name

@description('Default host name, e.g. func-contoso-abc123.azurewebsites.net')
output defaultHostName string = site.properties.defaultHostName
