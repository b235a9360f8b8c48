// `npm start`: the whole system on this machine. Settings that a PBX
// developer may want to change are read from the environment.

import { DEMO_CONTROL_PATH } from '../ewsSimulator/ewsDemoControl';
import { EWS_PATH } from '../ewsSimulator/ewsSimulator';
import { DEMO_EXCHANGE, DEMO_EXCHANGE_INTEGRATION_ID } from './demoExchange';
import { DEMO_BOOKING_GROUP, DEMO_TENANT, DEMO_USERS } from './demoTenant';
import { type LocalHostOptions, startLocalHost } from './localHost';

/** `LOCAL_GRAPH_CREDENTIAL=federated` (or `federatedAndSecret`) runs the service without the demo app's secret. */
function graphCredential(value: string | undefined): Pick<LocalHostOptions, 'graphCredential'> {
  if (value === undefined || value === '') return {};
  if (value === 'secret' || value === 'federated' || value === 'federatedAndSecret')
    return { graphCredential: value };
  throw new Error('LOCAL_GRAPH_CREDENTIAL: secret, federated or federatedAndSecret');
}

async function main(): Promise<void> {
  const host = await startLocalHost({
    port: Number(process.env.LOCAL_PORT ?? 7071),
    simulatorPort: Number(process.env.SIMULATOR_PORT ?? 7072),
    ...(process.env.DEMO_PBX_URL ? { pbxUrl: process.env.DEMO_PBX_URL } : {}),
    ...(process.env.DEMO_PBX_SECRET ? { pbxSecret: process.env.DEMO_PBX_SECRET } : {}),
    ...graphCredential(process.env.LOCAL_GRAPH_CREDENTIAL),
    exchangeServerDemo: true,
  });
  // Consent links open the simulator's consent page, where a person accepts or cancels as the demo tenant's admin.
  host.simulator.answerAdminConsent({ kind: 'ask', tenantId: DEMO_TENANT.id });
  // A group the call centre may book in, as the customer's admin would make it (a mail-enabled security group).
  host.simulator.setGroup(DEMO_TENANT.id, DEMO_BOOKING_GROUP);
  const alice = DEMO_USERS[0];
  const sim = host.simulator.url;
  const erik = DEMO_EXCHANGE.mailboxes[0]?.address ?? '';
  console.log(`
pbx-calendar-sync is running locally.

  Functions        ${host.url}/api/...   (graph/notifications, graph/lifecycle, consent, manage, console)
  Operator console ${host.url}/api/console?code=${encodeURIComponent(host.functionKey)}
  Admin API key    ${host.functionKey}   (x-functions-key header; set LOCAL_FUNCTION_KEY to choose one)
  Management API   ${host.url}/api/manage/openapi.json
  Graph simulator  ${sim}/v1.0
  EWS simulator    ${host.ews.url}   (Exchange Server, NTLM; integration ${DEMO_EXCHANGE_INTEGRATION_ID})
  PBX webhooks     ${host.sink ? `${host.sink.url} (built-in sink; verified events are printed below)` : process.env.DEMO_PBX_URL}
  PBX secret       ${host.sink ? '(generated for this run; set DEMO_PBX_SECRET to choose one)' : '(DEMO_PBX_SECRET)'}

Try it: get a token for the demo tenant, then book a Busy hour for ${alice.mail}:

  TOKEN=$(curl -s ${sim}/${DEMO_TENANT.id}/oauth2/v2.0/token \\
    -d grant_type=client_credentials -d client_id=${DEMO_TENANT.clientId} \\
    -d client_secret=${DEMO_TENANT.clientSecret} -d scope=https://graph.microsoft.com/.default \\
    | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

  curl -s ${sim}/v1.0/users/${alice.mail}/events -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' -d '{"subject":"Customer meeting","showAs":"busy",
    "start":{"dateTime":"'$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00)'","timeZone":"UTC"},
    "end":{"dateTime":"'$(date -u -d '+2 hour' +%Y-%m-%dT%H:00:00)'","timeZone":"UTC"}}'

Within a few seconds the sink prints a verified absence.upserted for alice.

The Exchange Server side (integration ${DEMO_EXCHANGE_INTEGRATION_ID}, EWS simulator at ${host.ews.url}):
book a Busy hour for ${erik}, as Outlook would save it there; Exchange's push
notification makes the sync read it:

  curl -s ${host.ews.url.replace(EWS_PATH, DEMO_CONTROL_PATH)} -H 'Content-Type: application/json' \
    -d '{"mailbox":"${erik}","subject":"Site visit","freeBusy":"Busy",
    "start":"'$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z)'","end":"'$(date -u -d '+2 hour' +%Y-%m-%dT%H:00:00Z)'"}'

Call-centre booking: in the console's Booking tab for the demo integration, turn booking on
with the group ${DEMO_BOOKING_GROUP.id} (${DEMO_BOOKING_GROUP.displayName}: alice and bob) and
press "New key"; then, with that key as KEY:

  curl -s ${host.url}/api/booking/v1/free-time -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"users":["${alice.mail}"],"durationMinutes":60,
    "start":"'$(date -u -d '+1 day' +%Y-%m-%dT00:00:00Z)'","end":"'$(date -u -d '+2 day' +%Y-%m-%dT00:00:00Z)'"}'

  The booking API's OpenAPI document: ${host.url}/api/booking/v1/openapi.json

Onboard a customer, all in the browser:
  1. Open the operator console (link above).
  2. Create an integration: any id and name, a PBX URL (${host.sink ? host.sink.url : 'your PBX receiver'}),
     mailboxes e.g. ${DEMO_USERS[1].mail} (or pick an existing integration).
  3. Press "New link" on its row and open the link.
  4. The simulator's consent page (admin of tenant ${DEMO_TENANT.id}) asks for the
     permissions: press Accept (Cancel shows what a declined consent looks like).
  5. The page says it is connected; in the console the integration is connected and
     its mailboxes synced (the sink knows only the demo integration's secret, so it
     rejects the new one's webhooks: use your own receiver and the secret shown on create).
Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
