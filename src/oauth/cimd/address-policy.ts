import ipaddr from 'ipaddr.js';

/**
 * SSRF policy for outbound fetches: only public unicast addresses, unless the address falls in one of the
 * configured CIDR ranges (e.g. 127.0.0.0/8 for development). IPv4-mapped IPv6 is judged as the IPv4 it maps.
 */
export function addressAllowed(address: string, allowRanges: string[]): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  for (const cidr of allowRanges) {
    try {
      const range = ipaddr.parseCIDR(cidr);
      if (range[0].kind() === ip.kind() && ip.match(range as [typeof ip, number])) return true;
    } catch {
      // an invalid range allows nothing
    }
  }
  return ip.range() === 'unicast';
}
