// Built-in role definition ids, shared by every module that grants access.
// Built-in roles keep the same id in every subscription and cloud; each one
// here is the narrowest built-in role that covers what the app does.

@export()
@description('Built-in Azure role definition ids (GUIDs) used by this deployment.')
var builtInRoles = {
  // Host storage (blob leases, keys) and the Flex Consumption deployment package.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // The app's own tables (integrations, users, absences, deliveries).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Send, receive and the Manage right on the namespace: target-based scaling and the dashboard
  // read queue counts with it. The only built-in Service Bus role that has it.
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  // Send and receive only; not granted (without Manage the scaler falls back to incremental scale).
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  // Read, create and delete secrets: the app on the signing vault (it creates PBX signing
  // secrets at run time), the operator on the credentials vault (sets the Graph secrets).
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Read secrets only: the app on the credentials vault (its Graph secret references).
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Telemetry ingestion with Entra ID once local auth is off on Application Insights.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

@export()
@description('One role to grant on the resource a module creates.')
type roleAssignmentType = {
  @description('Object (principal) id of the identity receiving the role.')
  principalId: string

  @description('Built-in role definition id (GUID), from builtInRoles.')
  roleDefinitionId: string

  @description('Kind of principal; set it so Azure need not look the principal up (avoids replication races).')
  principalType: 'ServicePrincipal' | 'User' | 'Group'

  @description('Why the principal needs this role; shown in the portal.')
  description: string
}
