// Example for one customer, deployed without azd:
//   az deployment sub create --location swedencentral \
//     --template-file infra/main.bicep --parameters infra/customers/example-contoso.bicepparam
// Copy it per customer (infra/customers/<customer>.bicepparam). Ids here are
// placeholders; the Graph client secret is never written in a file: set it in
// Key Vault afterwards (docs/operations.md).
using '../main.bicep'

param environmentName = 'contoso'
param location = 'swedencentral'
param resourceGroupName = 'rg-pbxsync-contoso'

// Object id of the operator who sets the Graph secret (az ad signed-in-user show --query id -o tsv).
param principalId = '00000000-0000-0000-0000-000000000000'
param principalType = 'User'

// The provider's multi-tenant Graph app (one for all customers).
param graphClientId = '11111111-1111-1111-1111-111111111111'
// The provider's scoped-mode app (no calendar permission); leave out when no
// customer of this deployment uses scoped consent.
param graphScopedClientId = '44444444-4444-4444-4444-444444444444'

// Admin sign-in: an app registration in the provider's tenant.
param enableEntraAuth = true
param authClientId = '22222222-2222-2222-2222-222222222222'
param authTenantId = '33333333-3333-3333-3333-333333333333'

param tablePrefix = 'pbxsync'
param defaultTimeZone = 'Europe/Stockholm'
param maximumInstanceCount = 20
// One warm instance for Graph's notifications (billed while idle); 0 scales to zero.
param alwaysReadyHttpInstances = 0
// Contoso's PBX accepts webhooks only from allow-listed addresses: OUTBOUND_IP_ADDRESS.
param staticOutboundIp = true
// The app identity as the Graph app's federated credential; no Graph secret in the deployment.
param graphFederatedCredential = true
param tags = {
  customer: 'Contoso'
  costCenter: 'pbx-sync'
}
