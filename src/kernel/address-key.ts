import ipaddr from 'ipaddr.js';

/**
 * The key a client address is counted under by the per-address limits (the flood guard, sign-in and registration
 * limits, failed client authentications): an IPv4 address as it is; an IPv6 address by its /64, the prefix one
 * subscriber gets (RFC 6177), since the 2^64 addresses inside it cost an attacker nothing to rotate through; an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) as the IPv4 it carries. A text
 * that is not an address is its own key.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address; // IPv4 (the common case: no parse)
  let ip: ipaddr.IPv6;
  try {
    ip = ipaddr.IPv6.parse(address.replace(/%.*$/, '')); // a zone id (fe80::1%eth0) names an interface, not a client
  } catch {
    return address;
  }
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  return `${ip.parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}
