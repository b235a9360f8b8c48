// The demo customer the local host starts with: one tenant, one integration,
// three mailboxes. Carol's sign-in name is not her address, as in many real
// tenants, and she has an alias; the local host adds her by her address.
export const DEMO_TENANT = {
  id: '6f2b6a7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  clientId: 'local-demo-app',
  clientSecret: 'local-demo-client-secret',
};

/**
 * The user-assigned managed identity the local host can sign the demo app in
 * with instead of its secret (`graphCredential` of the local host). It lives
 * in the provider's own tenant, not the customer's, as in Azure.
 */
export const DEMO_MANAGED_IDENTITY = {
  clientId: '0d3c5a1e-5e1f-4c2a-9f7b-1a2b3c4d5e6f',
  objectId: '7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b',
  tenantId: '2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e',
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

/** `npm start`'s group for call-centre booking: alice and bob, mail-enabled and security-enabled as Exchange scopes need. */
export const DEMO_BOOKING_GROUP = {
  id: 'f1e1d5a1-0000-4000-8000-00000000b00c',
  displayName: 'Field staff (demo)',
  securityEnabled: true,
  mailEnabled: true,
  mail: 'field-staff@contoso.example',
  memberIds: [DEMO_USERS[0].id, DEMO_USERS[1].id],
};
