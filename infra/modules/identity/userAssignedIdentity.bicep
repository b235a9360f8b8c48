// The one identity the Function App runs as: host storage, tables, Service
// Bus, Key Vault references and telemetry all authenticate with it, so a
// customer's access can be reviewed (or revoked) in one place.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output resourceId string = identity.id

@description('Client (application) id: what AZURE_CLIENT_ID and the __clientId settings need.')
output clientId string = identity.properties.clientId

@description('Object id: what role assignments need.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name
