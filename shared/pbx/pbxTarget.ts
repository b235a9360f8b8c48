/**
 * Where webhooks may go: https anywhere, plain http only to this machine and
 * only when the local-development setting allows it. Checked before any
 * network call, and usable by the admin screens when an operator saves a URL.
 */
export type TargetCheck = { kind: 'allowed'; url: URL } | { kind: 'refused'; reason: string };

export function checkPbxTarget(rawUrl: string, allowInsecureLoopback: boolean): TargetCheck {
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
  if (url.protocol === 'https:') return { kind: 'allowed', url };
  if (url.protocol === 'http:' && allowInsecureLoopback && isLoopbackHost(url.hostname)) {
    return { kind: 'allowed', url };
  }
  if (url.protocol === 'http:') {
    return {
      kind: 'refused',
      reason: allowInsecureLoopback
        ? 'plain http is allowed only to loopback addresses'
        : 'the PBX URL must use https',
    };
  }
  return { kind: 'refused', reason: `unsupported scheme ${url.protocol}` };
}

/** WHATWG URL parsing already normalises 127.1, 0x7f.0.0.1 and friends to dotted decimal. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
