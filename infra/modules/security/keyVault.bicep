// One Key Vault; main.bicep makes two: one for the PBX signing secrets (the
// app creates them at run time) and one for the Graph client secrets (set by
// the operator or the deployment, only read by the app). Access is by Azure
// RBAC only; purge protection keeps a deleted secret recoverable for the
// retention period, even from someone holding the app's identity.

import { roleAssignmentType } from '../authorization/builtInRoles.bicep'

@description('Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object = {}

@description('Days a deleted vault or secret stays recoverable (cannot be changed after creation).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('`recover` brings back the soft-deleted vault of the same name (after `azd down`, purge protection keeps it 90 days); `default` creates a new one. Each fails when the other is needed.')
@allowed(['default', 'recover'])
param createMode string = 'default'

@description('Roles to grant on the vault.')
param roleAssignments roleAssignmentType[] = []

@description('Graph client secret to store as `graph-client-secret`; empty leaves the secret to the operator (az keyvault secret set).')
@secure()
param graphClientSecret string = ''

@description('Client secret of the scoped consent mode\'s app, stored as `graph-scoped-client-secret`; empty leaves it to the operator.')
@secure()
param graphScopedClientSecret string = ''

var graphSecretName = 'graph-client-secret'
var graphScopedSecretName = 'graph-scoped-client-secret'

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    // https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults (properties.createMode)
    createMode: createMode
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Flex Consumption without a virtual network reaches the vault over its public endpoint.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource graphSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(graphClientSecret)) {
  parent: vault
  name: graphSecretName
  properties: {
    value: graphClientSecret
    contentType: 'Entra application client secret for Microsoft Graph'
  }
}

resource graphScopedSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(graphScopedClientSecret)) {
  parent: vault
  name: graphScopedSecretName
  properties: {
    value: graphScopedClientSecret
    contentType: 'Entra application client secret for Microsoft Graph (scoped consent mode)'
  }
}

resource vaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in roleAssignments: {
    name: guid(vault.id, assignment.principalId, assignment.roleDefinitionId)
    scope: vault
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
      description: assignment.description
    }
  }
]

@description('Name of the vault.')
output name string = vault.name

@description('Vault URI with trailing slash, e.g. https://kv-contoso.vault.azure.net/')
output vaultUri string = vault.properties.vaultUri

@description('Name of the secret holding the Graph client secret (set here or by the operator).')
output graphClientSecretName string = graphSecretName

@description('Name of the secret holding the scoped app\'s client secret (set here or by the operator).')
output graphScopedClientSecretName string = graphScopedSecretName
