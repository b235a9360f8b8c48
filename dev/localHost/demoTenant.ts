// The demo customer the local host starts with: one tenant, one integration,
// three mailboxes. Carol's sign-in name is not her address, as in many real
// tenants, and she has an alias; the local host adds her by her address.
export const DEMO_TENANT = {
  id: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  clientId: 'local-demo-app',
  clientSecret: 'local-demo-client-secret',
};

export const DEMO_INTEGRATION_ID = 'demo';

export const DEMO_USERS = [
  {
    id: 'a1f5c0de-0000-4000-8000-000000000001',
    userPrincipalName: 'alice@contoso.example',
    mail: 'alice@contoso.example',
    displayName: 'Alice Andersson',
  },
  {
    id: 'b0b5c0de-0000-4000-8000-000000000002',
    userPrincipalName: 'bob@contoso.example',
    mail: 'bob@contoso.example',
    displayName: 'Bob Berg',
  },
  {
    id: 'ca201c0d-0000-4000-8000-000000000003',
    userPrincipalName: 'ccarlsson@contoso.example',
    mail: 'carol@contoso.example',
    aliases: ['carol.carlsson@contoso.example'],
    displayName: 'Carol Carlsson',
  },
] as const;
