// Where webhooks may go, decided in one place for saving a PBX URL (create,
// PATCH) and for every send: https to public addresses; special-purpose
// addresses (see privateAddress.ts) only when the operator listed the host in
// PBX_ALLOWED_PRIVATE_HOSTS; plain http and loopback only when the
// local-development setting allows them. Host names are resolved and every
// address they resolve to is judged; the sender then connects to the address
// that was judged (`pinned`), so a DNS answer that changes between the check
// and the connection (rebinding) cannot steer the request elsewhere.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, isNeverAllowed, normaliseHost } from './privateAddress';

export interface TargetPolicy {
  allowInsecureLoopback: boolean;
  /** Host names or IP literals that may be (or resolve to) special-purpose addresses. */
  allowedPrivateHosts?: readonly string[];
}

/** Every address a host name resolves to; DNS in production, a stub in tests. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

export type TargetRefusal = {
  kind: 'refused';
  reason: string;
  /** `invalidUrl`: the URL itself; `blockedAddress`: where it leads; `dns`: the name did not resolve. */
  errorClass: 'invalidUrl' | 'blockedAddress' | 'dns';
};

export type TargetCheck = { kind: 'allowed'; url: URL } | TargetRefusal;
export type TargetDecision = { kind: 'allowed'; url: URL; pinned: PinnedAddress } | TargetRefusal;

const LOOPBACK_CLASS = 'loopback';

/**
 * The whole decision: the URL's shape, then the address it leads to. For a
 * host name every resolved address must pass, so a name with one public and
 * one private address cannot slip through. Reasons never name a resolved
 * address: they end up in the delivery log, and an answer that says where a
 * name leads would let whoever sets a PBX URL map our network.
 */
export async function decidePbxTarget(
  rawUrl: string,
  policy: TargetPolicy,
  resolveHost: ResolveHost = resolveWithDns,
): Promise<TargetDecision> {
  const check = checkPbxTarget(rawUrl, policy);
  if (check.kind === 'refused') return check;
  const { url } = check;
  const host = normaliseHost(url.hostname);
  const literal = bare(url.hostname);
  if (isIP(literal) !== 0) return { kind: 'allowed', url, pinned: pinnedFor(literal) };
  let addresses: string[];
  try {
    addresses = await resolveHost(host);
  } catch {
    addresses = [];
  }
  const valid = addresses.filter((address) => isIP(address) !== 0);
  if (valid.length === 0) {
    return { kind: 'refused', errorClass: 'dns', reason: `could not resolve ${host}` };
  }
  const refused = valid.some((address) => !addressAllowed(address, host, url, policy));
  if (refused) {
    return {
      kind: 'refused',
      errorClass: 'blockedAddress',
      reason: `${host} resolves to a special-purpose address; list the host in PBX_ALLOWED_PRIVATE_HOSTS if it is yours`,
    };
  }
  return { kind: 'allowed', url, pinned: pinnedFor(valid[0] ?? '') };
}

/**
 * The part of the decision that needs no DNS: scheme, credentials, and an IP
 * literal's range. WHATWG URL parsing already normalises 127.1, 0x7f.0.0.1
 * and friends to dotted decimal, and IPv6 to its compressed form.
 */
export function checkPbxTarget(rawUrl: string, policy: TargetPolicy | boolean): TargetCheck {
  const full = typeof policy === 'boolean' ? { allowInsecureLoopback: policy } : policy;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return invalidUrl('the PBX URL is not a valid absolute URL');
  }
  // Credentials in a URL end up in logs and proxies; the signature is the authentication.
  if (url.username !== '' || url.password !== '') {
    return invalidUrl('the PBX URL must not contain credentials');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return invalidUrl(`unsupported scheme ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !(full.allowInsecureLoopback && isLoopbackHost(url.hostname))) {
    return invalidUrl(
      full.allowInsecureLoopback
        ? 'plain http is allowed only to loopback addresses'
        : 'the PBX URL must use https',
    );
  }
  const literal = bare(url.hostname);
  if (isIP(literal) !== 0 && !addressAllowed(literal, normaliseHost(literal), url, full)) {
    return {
      kind: 'refused',
      errorClass: 'blockedAddress',
      reason: `${literal} is a special-purpose address (${classifyAddress(literal)}); list it in PBX_ALLOWED_PRIVATE_HOSTS to allow it`,
    };
  }
  return { kind: 'allowed', url };
}

function addressAllowed(address: string, host: string, url: URL, policy: TargetPolicy): boolean {
  const found = classifyAddress(address);
  if (found === 'public') return url.protocol === 'https:';
  if (isNeverAllowed(address)) return false;
  const allowed = policy.allowedPrivateHosts ?? [];
  if (allowed.includes(host) || allowed.includes(normaliseHost(address))) return true;
  // Local development: this machine only, over http or https.
  return policy.allowInsecureLoopback && found === LOOPBACK_CLASS;
}

/** Names that may use plain http in local development; what they resolve to is still checked. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const literal = bare(host);
  return isIP(literal) !== 0 && classifyAddress(literal) === LOOPBACK_CLASS;
}

function invalidUrl(reason: string): TargetRefusal {
  return { kind: 'refused', errorClass: 'invalidUrl', reason };
}

function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}

function pinnedFor(address: string): PinnedAddress {
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}

export async function resolveWithDns(hostname: string): Promise<string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}
