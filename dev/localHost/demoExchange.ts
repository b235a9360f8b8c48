// The demo customer's Exchange Server organisation: one service account with
// the ApplicationImpersonation role, signing in with NTLM as most Exchange
// Server sites have it, and three mailboxes, read by the integration
// `demo-onprem` beside the Microsoft 365 demo.
export const DEMO_EXCHANGE_INTEGRATION_ID = 'demo-onprem';

export const DEMO_EXCHANGE = {
  userName: 'FABRIKAM\\svc-pbxsync',
  password: 'local-demo-ews-password',
  authentication: 'ntlm' as const,
  timeZone: 'Europe/Stockholm',
  mailboxes: [
    { address: 'erik@fabrikam.example', displayName: 'Erik Ek' },
    { address: 'frida@fabrikam.example', displayName: 'Frida Falk' },
    { address: 'gustav@fabrikam.example', displayName: 'Gustav Gran' },
  ],
};
