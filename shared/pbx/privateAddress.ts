// Addresses a PBX URL must not reach unless an operator allowed them:
// private, shared (CGNAT), link-local (cloud metadata lives there), loopback,
// unspecified and multicast ranges, for IPv4 and IPv6 (IPv4-mapped included).
// The webhook would otherwise let whoever sets a PBX URL probe our network.

import { isIP } from 'node:net';

export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  const version = isIP(bare);
  if (version === 4) return isPrivateV4(bare);
  if (version === 6) return isPrivateV6(bare);
  return false;
}

function isPrivateV4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function isPrivateV6(address: string): boolean {
  if (address === '::' || address === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (mapped) return isPrivateV4(mapped);
  // The URL parser writes mapped addresses in hex (::ffff:a00:1).
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (hexMapped) {
    const high = Number.parseInt(hexMapped[1] ?? '0', 16);
    const low = Number.parseInt(hexMapped[2] ?? '0', 16);
    return isPrivateV4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const first = Number.parseInt(address.split(':')[0] || '0', 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}

/** Exact host names or IP literals, compared case-insensitively and without brackets or a trailing dot. */
export function normaliseHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

export function parseAllowedHosts(text: string | undefined): string[] {
  return (text ?? '').split(',').map(normaliseHost).filter(Boolean);
}
