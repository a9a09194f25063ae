import ipaddr from 'ipaddr.js';

/**
 * SSRF policy for outbound fetches: only public unicast addresses, unless the address falls in one of the
 * configured CIDR ranges (e.g. 127.0.0.0/8 for development). IPv4-mapped and IPv4-compatible IPv6 are judged as the IPv4 they embed.
 */
export function addressAllowed(address: string, allowRanges: readonly string[]): boolean {
  const ip = parseEmbedded(address);
  return ip !== undefined && (matchesRanges(ip, allowRanges) || ip.range() === 'unicast');
}

/**
 * True when the address falls in one of the CIDR ranges (judged as addressAllowed judges it): what may be reached
 * where only the configured ranges count (plain http from the proxy).
 */
export function addressInRanges(address: string, ranges: readonly string[]): boolean {
  const ip = parseEmbedded(address);
  return ip !== undefined && matchesRanges(ip, ranges);
}

function parseEmbedded(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return undefined;
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  // IPv4-compatible (deprecated ::a.b.c.d, RFC 4291 §2.5.5.1): judged as the IPv4 it embeds too (::7f00:1 is 127.0.0.1)
  const parts = ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).parts : [];
  if (parts.length === 8 && parts.slice(0, 6).every((p) => p === 0) && (parts[6] || parts[7] > 1)) {
    ip = new ipaddr.IPv4([parts[6] >> 8, parts[6] & 255, parts[7] >> 8, parts[7] & 255]);
  }
  return ip;
}

function matchesRanges(ip: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly string[]): boolean {
  for (const cidr of ranges) {
    try {
      const range = ipaddr.parseCIDR(cidr);
      if (range[0].kind() === ip.kind() && ip.match(range as [typeof ip, number])) return true;
    } catch {
      // an invalid range allows nothing
    }
  }
  return false;
}
