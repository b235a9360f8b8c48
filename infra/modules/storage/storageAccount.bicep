// Storage for the Functions host (blob leases and keys), the Flex Consumption
// deployment package, and the app's tables. Shared keys are off: every caller
// authenticates with Entra ID, so no connection string exists to leak.

import { roleAssignmentType } from '../authorization/builtInRoles.bicep'

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object = {}

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Replication; LRS is enough because the tables can be rebuilt from Graph by a resync.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
param skuName string = 'Standard_LRS'

@description('Prefix of the app\'s table names (TABLE_PREFIX).')
@minLength(1)
@maxLength(20)
param tablePrefix string

// Table names are 3-63 letters and digits; with the prefix's 1-20 these stay inside.
@minLength(3)
@maxLength(43)
type tableNameType = string

@description('The app\'s tables without the prefix; created here so no call has to create them first.')
param tableNames tableNameType[]

@description('Roles to grant on the storage account.')
param roleAssignments roleAssignmentType[] = []

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Flex Consumption without a virtual network reaches storage over its public endpoint.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' = {
  parent: account
  name: 'default'
}

// Created by the deployment, with its rights, instead of by the app's first call: a cold start
// skips the creates (STORAGE_TABLES_PROVISIONED), and the app's identity needs no right to create.
// https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts/tableservices/tables
resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' = [
  for table in tableNames: {
    parent: tableService
    name: '${tablePrefix}${table}'
  }
]

resource accountRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in roleAssignments: {
    name: guid(account.id, assignment.principalId, assignment.roleDefinitionId)
    scope: account
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
      description: assignment.description
    }
  }
]

@description('Name of the storage account.')
output name string = account.name

@description('Blob endpoint, with trailing slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Table endpoint, with trailing slash: the app\'s TABLES_ENDPOINT.')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('URL of the deployment package container.')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
