// A simulated Exchange Server 2016 EWS endpoint for tests and the local host:
// SOAP POSTs at /EWS/Exchange.asmx on 127.0.0.1, over HTTP or HTTPS with a
// self-signed certificate, spoken to by the real ews-javascript-api
// unchanged. It has Basic and NTLM (a real NTLMv2 handshake, so the client's
// own NTLM code runs; ewsAuthentication.ts), the schemes offered being an
// option as they are a setting of the EWS virtual directory; impersonation
// and Reviewer rights on localised Calendar folders; FindItem with
// CalendarView over single items and expanded series; ResolveNames; and
// ErrorServerBusy on demand.
//
// RequestServerVersion: Exchange 2007 targeted its first schema when the
// header was missing (learn.microsoft.com/previous-versions/office/developer/exchange-server-2007/bb891876),
// and from Exchange 2010 on the Version attribute is required
// (docs/web-service-reference/requestserverversion.md in
// MicrosoftDocs/office-developer-exchange-docs). So the simulator answers a
// request without the header as Exchange2007 and logs that, and refuses a
// missing or unknown Version with ErrorInvalidServerVersion
// (docs/web-service-reference/responsecode.md).

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SimulatorClock } from '../graphSimulator/clock';
import { decideAccess } from './ewsAccess';
import { type AuthenticationScheme, authenticationGate } from './ewsAuthentication';
import { EwsCalendarStore } from './ewsCalendarStore';
import { answerDemoControl, DEMO_CONTROL_PATH } from './ewsDemoControl';
import { EwsDirectory, type ServiceAccount } from './ewsDirectory';
import { answerCalendarView, readCalendarViewRequest } from './ewsFindItem';
import { createEwsPush, type EwsPush } from './ewsPush';
import { answerPushSubscribe } from './ewsPushAccess';
import { answerResolveNames } from './ewsResolveNames';
import { selfSignedCertificate } from './selfSignedCertificate';
import { errorResponse, type SoapAnswer, soapFault } from './soapFaults';
import { firstChild, parseSoapRequest } from './soapXml';

export const EWS_PATH = '/EWS/Exchange.asmx';

// The ExchangeVersionType values an Exchange 2016 server accepts (MS-OXWSCDATA 2.2.5.x, ExchangeVersionType).
const KNOWN_VERSIONS = new Set([
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
]);

export interface EwsRequestRecord {
  operation: string;
  account: string;
  /** How the caller proved who it is: `ntlm` only after a full type 1/2/3 handshake on its connection. */
  authentication: AuthenticationScheme;
  /** As sent, or Exchange2007 when the header was missing. */
  serverVersion: string;
  impersonated: string | undefined;
  mailbox: string | undefined;
}

export interface EwsSimulatorOptions {
  /** The schemes the 401 offers and the server takes; both unless told. */
  authentication?: readonly AuthenticationScheme[];
  /** `https` serves TLS with a fresh self-signed certificate for 127.0.0.1, which no client trusts. */
  protocol?: 'http' | 'https';
  /** The clock push pings and retries run on (ewsPush.ts); the local host passes the Graph simulator's. */
  clock?: SimulatorClock;
}

export interface EwsSimulator {
  /** http(s)://127.0.0.1:<port>/EWS/Exchange.asmx */
  url: string;
  directory: EwsDirectory;
  calendars: EwsCalendarStore;
  /** Push subscriptions: their clock, deliveries and failures on demand (ewsPush.ts). */
  push: EwsPush;
  requests: EwsRequestRecord[];
  /** The next `count` requests (of any account) are answered ErrorServerBusy with this back-off. */
  serverBusyNext(count: number, backOffMilliseconds: number): void;
  close(): Promise<void>;
}

async function readBody(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(reply: ServerResponse, answer: SoapAnswer): void {
  reply.writeHead(answer.status, { 'content-type': 'text/xml; charset=utf-8' }).end(answer.body);
}

interface Busy {
  left: number;
  backOffMilliseconds: number;
}

function answerSoap(
  simulator: Omit<EwsSimulator, 'url' | 'close' | 'serverBusyNext'>,
  account: ServiceAccount,
  authentication: AuthenticationScheme,
  body: string,
  busy: Busy,
): SoapAnswer {
  if (busy.left > 0) {
    busy.left--;
    return soapFault(
      'ErrorServerBusy',
      'The server cannot service this request right now. Try again later.',
      {
        BackOffMilliseconds: String(busy.backOffMilliseconds),
      },
    );
  }
  const request = parseSoapRequest(body);
  if (request === undefined)
    return soapFault('ErrorSchemaValidation', 'The request failed schema validation.');
  const versionHeader = firstChild(request.header, 'RequestServerVersion');
  const serverVersion = versionHeader ? (versionHeader.attributes.Version ?? '') : 'Exchange2007';
  if (!KNOWN_VERSIONS.has(serverVersion)) {
    return soapFault('ErrorInvalidServerVersion', 'The specified server version is invalid.');
  }
  const operation = request.operation.name ?? '';
  const record: EwsRequestRecord = {
    operation,
    account: account.userName,
    authentication,
    serverVersion,
    impersonated: undefined,
    mailbox: undefined,
  };
  simulator.requests.push(record);
  if (operation === 'ResolveNames') {
    // A directory lookup needs no mailbox's rights, but an impersonation header is still checked.
    if (firstChild(request.header, 'ExchangeImpersonation')) {
      const access = decideAccess(simulator.directory, account, request.header, undefined);
      if (!access.ok) return access.answer;
      record.impersonated = access.impersonated;
    }
    return answerResolveNames(simulator.directory, request.operation);
  }
  if (operation === 'Subscribe') return answerPushSubscribe(simulator, account, request, record);
  if (operation !== 'FindItem') {
    return soapFault('ErrorInvalidRequest', `The operation ${operation} is not simulated.`);
  }
  const view = readCalendarViewRequest(request.operation);
  if (view === undefined)
    return errorResponse(
      'FindItem',
      'ErrorInvalidRequest',
      'Only FindItem with a CalendarView is simulated.',
    );
  const access = decideAccess(simulator.directory, account, request.header, view.mailbox);
  if (!access.ok) return access.answer;
  record.impersonated = access.impersonated;
  record.mailbox = access.mailbox;
  return answerCalendarView(simulator.calendars, access.mailbox, view);
}

function httpsOptions(): { cert: string; key: string } {
  const certificate = selfSignedCertificate();
  return { cert: certificate.certificatePem, key: certificate.privateKeyPem };
}

export async function startEwsSimulator(options: EwsSimulatorOptions = {}): Promise<EwsSimulator> {
  const calendars = new EwsCalendarStore();
  const state = {
    directory: new EwsDirectory(),
    calendars,
    push: createEwsPush(calendars, options.clock),
    requests: [] as EwsRequestRecord[],
  };
  const busy: Busy = { left: 0, backOffMilliseconds: 0 };
  const authenticate = authenticationGate(
    state.directory,
    options.authentication ?? ['ntlm', 'basic'],
    'exch01.contoso.example',
  );
  const handle: RequestListener = (message, reply) => {
    void (async () => {
      const body = await readBody(message);
      const path = (message.url ?? '').split('?')[0]?.toLowerCase();
      if (path === DEMO_CONTROL_PATH && message.method === 'POST') {
        const answer = answerDemoControl(state.directory, state.calendars, body);
        reply
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
        return;
      }
      if (path !== EWS_PATH.toLowerCase()) {
        reply.writeHead(404).end();
        return;
      }
      const caller = authenticate(message);
      if (!caller.ok) {
        reply.writeHead(401, { 'www-authenticate': caller.wwwAuthenticate }).end();
        return;
      }
      if (message.method !== 'POST') {
        reply.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      send(reply, answerSoap(state, caller.account, caller.scheme, body, busy));
    })().catch(() => reply.writeHead(500).end());
  };
  const protocol = options.protocol ?? 'http';
  const server = protocol === 'https' ? createHttpsServer(httpsOptions(), handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `${protocol}://127.0.0.1:${port}${EWS_PATH}`,
    serverBusyNext(count, backOffMilliseconds) {
      busy.left = count;
      busy.backOffMilliseconds = backOffMilliseconds;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
