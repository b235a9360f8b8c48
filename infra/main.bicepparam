// Parameters for `azd up`: every value comes from the azd environment of the
// customer being deployed (`azd env set NAME value`, stored in
// .azure/<env>/.env). azd itself sets AZURE_ENV_NAME, AZURE_LOCATION and
// AZURE_PRINCIPAL_ID. Nothing customer-specific is committed here.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'local')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param resourceGroupName = readEnvironmentVariable('AZURE_RESOURCE_GROUP', '')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

// Required: the build stops with a message naming GRAPH_CLIENT_ID when it is not set.
param graphClientId = readEnvironmentVariable('GRAPH_CLIENT_ID')
// Optional: the fallback to the federated credential below. Unset and with the
// credential on, the app has no Graph secret at all; with the credential off,
// run `az keyvault secret set` on the credentials vault instead, so the secret
// never sits in the azd .env file.
param graphClientSecret = readEnvironmentVariable('GRAPH_CLIENT_SECRET', '')
// The app identity as the Graph app's federated identity credential (docs/operations.md).
param graphFederatedCredential = bool(readEnvironmentVariable('GRAPH_FEDERATED_CREDENTIAL', 'true'))
// Optional second app for the scoped consent mode (no calendar permission);
// unset, the deployment offers tenant-wide consent only. Its secret, like the
// first, is better set with `az keyvault secret set` afterwards.
param graphScopedClientId = readEnvironmentVariable('GRAPH_SCOPED_CLIENT_ID', '')
param graphScopedClientSecret = readEnvironmentVariable('GRAPH_SCOPED_CLIENT_SECRET', '')
param graphBaseUrl = readEnvironmentVariable('GRAPH_BASE_URL', 'https://graph.microsoft.com')
param subscriptionMaxMinutes = int(readEnvironmentVariable('SUBSCRIPTION_MAX_MINUTES', '10080'))
param tablePrefix = readEnvironmentVariable('TABLE_PREFIX', 'pbxsync')
param pbxTimeoutMs = int(readEnvironmentVariable('PBX_TIMEOUT_MS', '10000'))
param pbxAllowedPrivateHosts = readEnvironmentVariable('PBX_ALLOWED_PRIVATE_HOSTS', '')
param defaultTimeZone = readEnvironmentVariable('DEFAULT_TIME_ZONE', 'Europe/Stockholm')

// After `azd down`, the vault stays soft-deleted for 90 days (purge protection): set
// KEY_VAULT_CREATE_MODE=recover for the one `azd up` that brings it back, then unset it.
param keyVaultCreateMode = readEnvironmentVariable('KEY_VAULT_CREATE_MODE', 'default')
param enableEntraAuth = bool(readEnvironmentVariable('ENABLE_ENTRA_AUTH', 'true'))
param authClientId = readEnvironmentVariable('AUTH_CLIENT_ID', '')
param authTenantId = readEnvironmentVariable('AUTH_TENANT_ID', '')

param maximumInstanceCount = int(readEnvironmentVariable('MAXIMUM_INSTANCE_COUNT', '40'))
// true: a virtual network, NAT gateway and static public IP (OUTBOUND_IP_ADDRESS) for allow-lists.
param staticOutboundIp = bool(readEnvironmentVariable('STATIC_OUTBOUND_IP', 'false'))
// 1 keeps one warm instance for Graph's notifications (billed while idle); 0 scales to zero.
param alwaysReadyHttpInstances = int(readEnvironmentVariable('ALWAYS_READY_HTTP_INSTANCES', '0'))

// Alert mails (docs/operations.md, "Alerts and metrics"); unset, alerts show in the portal only.
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
