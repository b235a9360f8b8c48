// What an operator wants to know before saving an Exchange Server
// connection: does the URL answer, is its certificate trusted, are the
// credentials and rights enough to read this mailbox's calendar? One outcome
// with a reason and a sentence for the operator (never the password), found
// in the order the connection would fail: the URL, the host's name, the
// TCP/TLS connection, then EWS itself (ResolveNames for the mailbox, then a
// CalendarView of the window with the connection's access mode).
//
// The transport is probed on its own before EWS is asked, because the
// library does not keep the cause of a failed connection: under NTLM
// @ewsjs/xhr's handshake turns every network error into "Cannot read
// properties of undefined". Names under .invalid never resolve (RFC 6761
// section 6.4 asks resolvers to answer them negatively at once), so they are
// refused without a DNS query, which keeps an offline check fast.
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { readCalendarView } from './ewsCalendarReader';
import { type ResolvedMailbox, resolveMailbox } from './ewsMailboxResolution';
import { type EwsConnection, EwsFailure } from './ewsService';

export type ConnectionCheckReason =
  | 'urlNotHttps'
  | 'nameNotResolvable'
  | 'unreachable'
  | 'certificateInvalid'
  | 'credentialsRejected'
  | 'impersonationDenied'
  | 'accessDenied'
  | 'mailboxNotFound'
  | 'throttled'
  | 'failed';

export type ConnectionCheckOutcome =
  | { ok: true; mailbox: ResolvedMailbox; itemsInWindow: number }
  | { ok: false; reason: ConnectionCheckReason; message: string };

export interface ConnectionCheckOptions {
  /** Lets http:// through for 127.0.0.0/8, ::1 and localhost, for local runs against the simulator. */
  allowLoopbackHttp?: boolean;
  /** How long each step may take before the host counts as unreachable; 10 s unless told. */
  timeoutMs?: number;
}

type Refusal = Extract<ConnectionCheckOutcome, { ok: false }>;

const DEFAULT_TIMEOUT_MS = 10_000;

const NAME_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const UNREACHABLE_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);
// OpenSSL's verification results as Node reports them, plus its own host-name check.
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const refuse = (reason: ConnectionCheckReason, message: string): Refusal => ({ ok: false, reason, message });

function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

interface Target {
  url: URL;
  host: string;
  port: number;
  tls: boolean;
}

function targetOf(connection: EwsConnection, options: ConnectionCheckOptions): Target | Refusal {
  let url: URL;
  try {
    url = new URL(connection.url);
  } catch {
    return refuse(
      'urlNotHttps',
      'The EWS URL is not a URL; it should look like https://mail.example.com/EWS/Exchange.asmx.',
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const tls = url.protocol === 'https:';
  const loopbackHttp = url.protocol === 'http:' && options.allowLoopbackHttp === true && isLoopback(host);
  if (!tls && !loopbackHttp) {
    return refuse(
      'urlNotHttps',
      `The EWS URL for ${host} must start with https://, so that the password and the calendars travel encrypted.`,
    );
  }
  return { url, host, port: Number(url.port) || (tls ? 443 : 80), tls };
}

function transportRefusal(target: Target, code: string, timedOut: 'lookup' | 'connect' | undefined): Refusal {
  const where = `${target.host}:${target.port}`;
  if (timedOut === 'lookup' || NAME_ERRORS.has(code))
    return refuse(
      'nameNotResolvable',
      `The host name ${target.host} could not be found in DNS. Check the host name in the EWS URL.`,
    );
  if (timedOut === 'connect' || UNREACHABLE_ERRORS.has(code))
    return refuse(
      'unreachable',
      `Nothing answered at ${where} (${timedOut ? 'no answer in time' : code}). Check the URL's host and port, and that firewalls let this service reach Exchange.`,
    );
  if (CERTIFICATE_ERRORS.has(code))
    return refuse(
      'certificateInvalid',
      `The certificate ${target.host} presented is not trusted (${code}). Exchange needs a certificate from a trusted authority that names ${target.host}.`,
    );
  return refuse('failed', `The connection to ${where} failed (${code}).`);
}

/** Resolves the host, connects and, for https, completes a verified TLS handshake; undefined when all of it worked. */
function probeTransport(target: Target, timeoutMs: number): Promise<Refusal | undefined> {
  if (/(^|\.)invalid$/i.test(target.host))
    return Promise.resolve(transportRefusal(target, 'ENOTFOUND', undefined));
  return new Promise((resolve) => {
    let looked = isIP(target.host) !== 0;
    const socket: Socket = target.tls
      ? connectTls({
          host: target.host,
          port: target.port,
          rejectUnauthorized: true,
          ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
        })
      : connectTcp({ host: target.host, port: target.port });
    const finish = (outcome: Refusal | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(transportRefusal(target, '', looked ? 'connect' : 'lookup')),
      timeoutMs,
    );
    socket.once('lookup', () => {
      looked = true;
    });
    socket.once(target.tls ? 'secureConnect' : 'connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(transportRefusal(target, error.code ?? 'unknown', undefined)),
    );
  });
}

/** The work's value, or the refusal of a host that did not answer in time. */
async function inTime<T>(
  work: Promise<T>,
  timeoutMs: number,
  target: Target,
): Promise<{ value: T } | Refusal> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Refusal>((resolve) => {
    timer = setTimeout(() => resolve(transportRefusal(target, '', 'connect')), timeoutMs);
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

function ewsRefusal(failure: EwsFailure, connection: EwsConnection, mailbox: string): Refusal {
  const account = connection.userName;
  switch (failure.kind) {
    case 'credentialsRejected':
      return refuse('credentialsRejected', `Exchange refused the account ${account} or its password.`);
    case 'impersonationDenied':
      return refuse(
        'impersonationDenied',
        `${account} may not impersonate ${mailbox}: it needs the ApplicationImpersonation role (New-ManagementRoleAssignment -Role ApplicationImpersonation -User ${account}).`,
      );
    case 'accessDenied':
      return refuse(
        'accessDenied',
        `${account} may not read ${mailbox}'s calendar: grant it Reviewer with Add-MailboxFolderPermission -Identity "${mailbox}:\\<the calendar's name in the mailbox's language>" -User ${account} -AccessRights Reviewer.`,
      );
    case 'throttled':
      return refuse(
        'throttled',
        `Exchange is busy and asked for ${failure.retryAfterSeconds ?? 'some'} seconds before the next request; try the check again then.`,
      );
    case 'failed':
      return failure.code === 'ErrorNonExistentMailbox'
        ? refuse('mailboxNotFound', `Exchange has no mailbox ${mailbox}.`)
        : refuse('failed', `Exchange could not answer the check (${failure.code}).`);
  }
}

/** Whether `connection` can read `mailbox`'s calendar in `window`, and if not, why, in a sentence for the operator. */
export async function checkExchangeConnection(
  connection: EwsConnection,
  mailbox: string,
  window: { start: string; end: string },
  options: ConnectionCheckOptions = {},
): Promise<ConnectionCheckOutcome> {
  const target = targetOf(connection, options);
  if (!('url' in target)) return target;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = await probeTransport(target, timeoutMs);
  if (transport !== undefined) return transport;
  try {
    const resolved = await inTime(resolveMailbox(connection, mailbox), timeoutMs, target);
    if (!('value' in resolved)) return resolved;
    if (resolved.value === undefined)
      return refuse('mailboxNotFound', `Exchange knows no mailbox with the address ${mailbox}.`);
    const found = resolved.value;
    const items = await inTime(readCalendarView(connection, found.primaryAddress, window), timeoutMs, target);
    if (!('value' in items)) return items;
    return { ok: true, mailbox: found, itemsInWindow: items.value.length };
  } catch (error) {
    if (error instanceof EwsFailure) return ewsRefusal(error, connection, mailbox);
    return refuse('failed', 'The check stopped on an unexpected error.');
  }
}
