// Every address class a PBX URL must not reach, and public controls that
// must still work: one table for the create, PATCH and send tests, so the
// three cannot drift apart. Each refused row names the class; the IPv6 forms
// that carry an IPv4 address are listed with what they carry.

/** [address, class] – refused unless the host is listed in PBX_ALLOWED_PRIVATE_HOSTS. */
export const REFUSED_ADDRESSES: ReadonlyArray<readonly [string, string]> = [
  ['10.1.2.3', 'private 10/8'],
  ['172.16.0.1', 'private 172.16/12'],
  ['192.168.1.1', 'private 192.168/16'],
  ['127.0.0.1', 'loopback'],
  ['127.1.2.3', 'loopback 127/8'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', '"this network" 0/8'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['100.64.0.1', 'shared address space (CGNAT) 100.64/10'],
  ['192.0.0.1', 'IETF protocol assignments 192.0.0.0/24'],
  ['192.0.0.170', 'NAT64 discovery in 192.0.0.0/24'],
  ['192.0.2.1', 'documentation TEST-NET-1'],
  ['198.51.100.1', 'documentation TEST-NET-2'],
  ['203.0.113.1', 'documentation TEST-NET-3'],
  ['198.18.0.1', 'benchmarking 198.18/15'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['224.0.0.1', 'multicast'],
  ['240.0.0.1', 'reserved 240/4'],
  ['255.255.255.255', 'limited broadcast'],
  ['::1', 'IPv6 loopback'],
  ['::', 'IPv6 unspecified'],
  ['fe80::1', 'IPv6 link-local'],
  ['fc00::1', 'unique local fc00::/7'],
  ['fd12:3456::1', 'unique local fd00::/8'],
  ['fec0::1', 'site-local fec0::/10'],
  ['ff02::1', 'IPv6 multicast'],
  ['100::1', 'discard-only 100::/64'],
  ['2001:db8::1', 'IPv6 documentation'],
  ['2001:2::1', 'IPv6 benchmarking'],
  ['4000::1', 'outside global unicast 2000::/3'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::10.0.0.1', 'IPv4-compatible private'],
  ['::8.8.8.8', 'IPv4-compatible (deprecated, whatever it carries)'],
  ['64:ff9b::127.0.0.1', 'NAT64 well-known prefix carrying loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 well-known prefix carrying link-local'],
  ['64:ff9b:1::a00:1', 'NAT64 local-use 64:ff9b:1::/48'],
  ['2002:7f00:1::1', '6to4 carrying loopback'],
  ['2002:a00:1::1', '6to4 carrying private'],
  // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted in the last 32 bits.
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo carrying loopback'],
  ['2001:0:a00:1::1', 'Teredo with a private server'],
];

/** Public addresses (and public IPv4 in IPv6 spelling) a PBX may have. */
export const PUBLIC_ADDRESSES: readonly string[] = [
  '93.184.216.34',
  '8.8.8.8',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

/** The address as the host part of an https URL. */
export function urlFor(address: string, path = '/hooks'): string {
  return `https://${address.includes(':') ? `[${address}]` : address}${path}`;
}
