// A static outbound address for the Function App: a virtual network whose one
// subnet is delegated to Flex Consumption, and a NAT gateway with a Standard
// static public IP on that subnet. Everything the app sends to the internet
// (PBX webhooks, Microsoft Graph) then leaves from that one address, which
// customers and PBX vendors can allow-list.
//   https://learn.microsoft.com/azure/azure-functions/functions-how-to-use-nat-gateway
//   https://learn.microsoft.com/azure/nat-gateway/nat-overview

@description('Name of the virtual network.')
param virtualNetworkName string

@description('Name of the NAT gateway.')
param natGatewayName string

@description('Name of the static public IP address.')
param publicIpName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Address space of the virtual network.')
param addressPrefix string = '10.40.0.0/16'

@description('The app\'s subnet. Flex Consumption uses up to about 40 addresses per app; /26 leaves room.')
param appSubnetPrefix string = '10.40.0.0/26'

// No underscores: Flex Consumption refuses subnet names with them.
var appSubnetName = 'app'

resource publicIp 'Microsoft.Network/publicIPAddresses@2026-03-01' = {
  name: publicIpName
  location: location
  tags: tags
  // A NAT gateway takes only Standard, static addresses.
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2026-03-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      { id: publicIp.id }
    ]
  }
}

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          // Flex Consumption's virtual network integration needs this delegation (and the
          // Microsoft.App resource provider registered on the subscription).
          // https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations
          delegations: [
            {
              name: 'flex-consumption'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
          // Outbound connections from the subnet to the internet go through the NAT gateway.
          natGateway: { id: natGateway.id }
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }
}

@description('Resource id of the subnet the Function App integrates with.')
output appSubnetId string = virtualNetwork::appSubnet.id

@description('The static public IP address all outbound traffic leaves from.')
output outboundIpAddress string = publicIp.properties.ipAddress
