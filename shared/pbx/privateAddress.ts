// Which addresses a PBX URL may reach: public unicast only. Every
// special-purpose range of the IANA IPv4 and IPv6 special-purpose address
// registries (private, loopback, link-local where cloud metadata lives,
// CGNAT, 192.0.0.0/24, benchmarking, documentation, multicast, reserved,
// ULA, site-local, ...) is refused unless an operator allowed the host.
// The ranges come from ipaddr.js rather than from hand-written bit tests, so
// a range we forgot cannot slip through. IPv6 forms that carry an IPv4
// address (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are unwrapped
// and the IPv4 address is judged, since that is where the packets end up.
// https://www.iana.org/assignments/iana-ipv4-special-registry/
// https://www.iana.org/assignments/iana-ipv6-special-registry/

import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** `public`, or the name of the special-purpose range the address is in (e.g. `loopback`, `6to4→private`). */
export type AddressClass = 'public' | 'notAnAddress' | (string & {});

export function classifyAddress(address: string): AddressClass {
  const bare = canonical(address.trim().replace(/^\[|\]$/g, ''));
  if (bare === undefined) return 'notAnAddress';
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}

export function isPrivateAddress(address: string): boolean {
  const found = classifyAddress(address);
  return found !== 'public' && found !== 'notAnAddress';
}

/** Ranges no PBX can live in, whatever the allow-list says: connecting there reaches nothing or everything. */
export function isNeverAllowed(address: string): boolean {
  const found = classifyAddress(address);
  return /(^|→)(unspecified|broadcast|multicast)$/.test(found);
}

/**
 * Node's and the URL standard's reading of an IP literal, or undefined for a
 * name. ipaddr.js alone is not enough: it reads `::8.8.8.8` as
 * `::ffff:8.8.8.8`, turning an IPv4-compatible address into a mapped one,
 * and accepts spellings like `10` that Node would look up as a name.
 */
function canonical(text: string): string | undefined {
  const version = isIP(text);
  if (version === 4) return text;
  if (version === 6) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return undefined;
}

function classifyV4(address: ipaddr.IPv4): AddressClass {
  // ipaddr.js names 0/8, 10/8 …, and puts 192.0.0.0/24, TEST-NETs, 198.18/15 and 240/4 under `reserved`.
  const range = address.range();
  return range === 'unicast' ? 'public' : range;
}

function classifyV6(address: ipaddr.IPv6): AddressClass {
  const parts = address.parts;
  const range = address.range();
  const embedded = (high: number, low: number) =>
    ipaddr.fromByteArray([high >> 8, high & 0xff, low >> 8, low & 0xff]) as ipaddr.IPv4;
  const judged = (via: string, v4: ipaddr.IPv4): AddressClass => {
    const inner = classifyV4(v4);
    return inner === 'public' ? 'public' : `${via}→${inner}`;
  };
  switch (range) {
    case 'unspecified':
    case 'loopback':
      return range;
    // ::ffff:a.b.c.d and ::ffff:0:a.b.c.d (SIIT): IPv4 packets in IPv6 spelling.
    case 'ipv4Mapped':
    case 'rfc6145':
      return judged(range, embedded(parts[6] ?? 0, parts[7] ?? 0));
    case 'rfc6052':
      // Only the well-known NAT64 prefix 64:ff9b::/96 puts the IPv4 address in the last 32 bits;
      // the local-use 64:ff9b:1::/48 is an operator's own translator, never a public PBX.
      return parts.slice(2, 6).every((part) => part === 0)
        ? judged('nat64', embedded(parts[6] ?? 0, parts[7] ?? 0))
        : 'nat64LocalUse';
    case '6to4':
      return judged('6to4', embedded(parts[1] ?? 0, parts[2] ?? 0));
    case 'teredo': {
      // RFC 4380 §4: the server's address in bits 32–63, the client's in the last 32 bits, inverted.
      const server = judged('teredoServer', embedded(parts[2] ?? 0, parts[3] ?? 0));
      if (server !== 'public') return server;
      return judged('teredo', embedded(~(parts[6] ?? 0) & 0xffff, ~(parts[7] ?? 0) & 0xffff));
    }
    case 'unicast':
      // ::a.b.c.d, deprecated by RFC 4291 §2.5.5.1: no host has one, whatever the IPv4 part says.
      if (parts.slice(0, 6).every((part) => part === 0)) {
        const inner = classifyV4(embedded(parts[6] ?? 0, parts[7] ?? 0));
        return inner === 'public' ? 'ipv4Compatible' : `ipv4Compatible→${inner}`;
      }
      // Only 2000::/3 is allocated as global unicast; the rest is reserved by the IETF.
      return ((parts[0] ?? 0) & 0xe000) === 0x2000 ? 'public' : 'reservedIpv6';
    default:
      return range;
  }
}

/**
 * Host names compared case-insensitively and without brackets or a trailing
 * dot; IP literals in one canonical spelling, so `::ffff:a00:7` and
 * `::ffff:10.0.0.7` are the same allowed host.
 */
export function normaliseHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const literal = canonical(bare);
  return literal === undefined ? bare : ipaddr.parse(literal).toString();
}

export function parseAllowedHosts(text: string | undefined): string[] {
  return (text ?? '').split(',').map(normaliseHost).filter(Boolean);
}
