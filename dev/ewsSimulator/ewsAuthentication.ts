// Who is calling the simulated Exchange: IIS in front of EWS offers the
// schemes its virtual directory has on (Set-WebServicesVirtualDirectory
// -WindowsAuthentication / -BasicAuthentication, learn.microsoft.com/powershell/module/exchange/set-webservicesvirtualdirectory)
// in a 401's WWW-Authenticate headers, and answers any other scheme with the
// same 401. Basic is checked on every request. NTLM authenticates the TCP
// connection, not the request: the type 1 message gets a 401 with the type 2
// challenge, the type 3 must come on that same connection, and once it
// passes, later requests on the connection are that account's without a
// new header (ntlmMessages.ts has the messages and the NTLMv2 check). A
// type 3 on another connection finds no challenge there and is refused.
// Negotiate (Kerberos) is not simulated, so it is not offered.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EwsDirectory, ServiceAccount } from './ewsDirectory';
import {
  challengeFor,
  type NtlmChallenge,
  type NtlmTarget,
  provesPassword,
  readAuthenticate,
  readNegotiate,
} from './ntlmMessages';

export type AuthenticationScheme = 'ntlm' | 'basic';

export type AuthenticationOutcome =
  | { ok: true; account: ServiceAccount; scheme: AuthenticationScheme }
  /** Answer 401 with these WWW-Authenticate values. */
  | { ok: false; wwwAuthenticate: string[] };

type ConnectionState =
  | { stage: 'challenged'; challenge: NtlmChallenge }
  | { stage: 'authenticated'; account: ServiceAccount };

const TARGET: NtlmTarget = {
  netbiosDomain: 'CONTOSO',
  netbiosComputer: 'EXCH01',
  dnsDomain: 'contoso.example',
  dnsComputer: 'exch01.contoso.example',
};

/** The account an NTLM type 3 names: DOMAIN\user when it carries a domain, else the UPN as sent. */
function ntlmAccountName(userName: string, domain: string): string {
  return domain === '' ? userName : `${domain}\\${userName}`;
}

function basicAccount(directory: EwsDirectory, token: string): ServiceAccount | undefined {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : directory.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
}

export function authenticationGate(
  directory: EwsDirectory,
  offered: readonly AuthenticationScheme[],
  realm: string,
): (message: IncomingMessage) => AuthenticationOutcome {
  const connections = new WeakMap<Socket, ConnectionState>();
  const refusal: AuthenticationOutcome = {
    ok: false,
    wwwAuthenticate: offered.map((scheme) => (scheme === 'ntlm' ? 'NTLM' : `Basic realm="${realm}"`)),
  };

  function ntlm(socket: Socket, token: string): AuthenticationOutcome {
    const bytes = Buffer.from(token, 'base64');
    const negotiate = readNegotiate(bytes);
    if (negotiate !== undefined) {
      const challenge = challengeFor(negotiate, TARGET, Date.now());
      connections.set(socket, { stage: 'challenged', challenge });
      return { ok: false, wwwAuthenticate: [`NTLM ${challenge.message.toString('base64')}`] };
    }
    const state = connections.get(socket);
    connections.delete(socket);
    if (state?.stage !== 'challenged') return refusal;
    const authenticate = readAuthenticate(bytes, state.challenge.unicode);
    if (authenticate === undefined) return refusal;
    const account = directory.accountNamed(ntlmAccountName(authenticate.userName, authenticate.domain));
    if (
      account === undefined ||
      !provesPassword(authenticate, account.password, state.challenge.serverChallenge)
    )
      return refusal;
    connections.set(socket, { stage: 'authenticated', account });
    return { ok: true, account, scheme: 'ntlm' };
  }

  return (message) => {
    const header = message.headers.authorization;
    const socket = message.socket;
    if (header === undefined) {
      const state = connections.get(socket);
      return state?.stage === 'authenticated'
        ? { ok: true, account: state.account, scheme: 'ntlm' }
        : refusal;
    }
    const space = header.indexOf(' ');
    const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
    const token = space === -1 ? '' : header.slice(space + 1).trim();
    if (scheme === 'ntlm' && offered.includes('ntlm')) return ntlm(socket, token);
    if (scheme === 'basic' && offered.includes('basic')) {
      const account = basicAccount(directory, token);
      return account === undefined ? refusal : { ok: true, account, scheme: 'basic' };
    }
    return refusal;
  };
}
