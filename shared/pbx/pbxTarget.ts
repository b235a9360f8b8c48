// Where webhooks may go: https to public addresses; private addresses only
// when the operator listed the host in PBX_ALLOWED_PRIVATE_HOSTS; plain http
// only to this machine and only when the local-development setting allows it.
// Checked before any network call, and usable by the admin screens when an
// operator saves a URL. Host names are checked again after DNS (see
// `checkResolvedAddresses`).

import { isIP } from 'node:net';
import { isPrivateAddress, normaliseHost } from './privateAddress';

export type TargetCheck = { kind: 'allowed'; url: URL } | { kind: 'refused'; reason: string };

export interface TargetPolicy {
  allowInsecureLoopback: boolean;
  /** Host names or IP literals that may be (or resolve to) private addresses. */
  allowedPrivateHosts?: readonly string[];
}

export function checkPbxTarget(rawUrl: string, policy: TargetPolicy | boolean): TargetCheck {
  const { allowInsecureLoopback, allowedPrivateHosts = [] } =
    typeof policy === 'boolean' ? { allowInsecureLoopback: policy } : policy;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { kind: 'refused', reason: 'the PBX URL is not a valid absolute URL' };
  }
  // Credentials in a URL end up in logs and proxies; the signature is the authentication.
  if (url.username !== '' || url.password !== '') {
    return { kind: 'refused', reason: 'the PBX URL must not contain credentials' };
  }
  const loopbackAllowed = allowInsecureLoopback && isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopbackAllowed) {
    return {
      kind: 'refused',
      reason: allowInsecureLoopback
        ? 'plain http is allowed only to loopback addresses'
        : 'the PBX URL must use https',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { kind: 'refused', reason: `unsupported scheme ${url.protocol}` };
  }
  const host = normaliseHost(url.hostname);
  if (!loopbackAllowed && isIP(host) !== 0 && isPrivateAddress(host) && !allowedPrivateHosts.includes(host)) {
    return { kind: 'refused', reason: privateReason(host) };
  }
  return { kind: 'allowed', url };
}

/**
 * A host name that resolves to a private address is refused like a private
 * IP literal, unless the name itself is allowed. Every resolved address must
 * pass, so a name with one public and one private address cannot slip through.
 */
export function checkResolvedAddresses(
  url: URL,
  addresses: readonly string[],
  policy: TargetPolicy,
): TargetCheck {
  const host = normaliseHost(url.hostname);
  if (isIP(host) !== 0) return { kind: 'allowed', url };
  if (policy.allowInsecureLoopback && isLoopbackHost(url.hostname)) return { kind: 'allowed', url };
  if ((policy.allowedPrivateHosts ?? []).includes(host)) return { kind: 'allowed', url };
  const blocked = addresses.find(isPrivateAddress);
  return blocked
    ? { kind: 'refused', reason: `${privateReason(host)} (resolves to ${blocked})` }
    : { kind: 'allowed', url };
}

function privateReason(host: string): string {
  return `${host} is a private address; list it in PBX_ALLOWED_PRIVATE_HOSTS to allow it`;
}

/** WHATWG URL parsing already normalises 127.1, 0x7f.0.0.1 and friends to dotted decimal. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
