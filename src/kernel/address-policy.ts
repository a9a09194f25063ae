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

/** Plain dotted-decimal IPv4, what a resolver answers: parsed as IPv4 at once (ipaddr.parse tries IPv6 first, by throwing). */
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function parseEmbedded(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = DOTTED_QUAD.test(address) ? ipaddr.IPv4.parse(address) : ipaddr.parse(address);
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

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
/**
 * Configured ranges, parsed once: ipaddr.parseCIDR throws on its way to an IPv4 range, which cost as much CPU as the
 * proxy's whole upstream request (bench/README.md). Null: an invalid range, which allows nothing. Bounded.
 */
const parsedRanges = new Map<string, Range | null>();

function parseRange(cidr: string): Range | null {
  let range = parsedRanges.get(cidr);
  if (range === undefined) {
    try {
      range = ipaddr.parseCIDR(cidr);
    } catch {
      range = null;
    }
    if (parsedRanges.size >= 1000) parsedRanges.clear();
    parsedRanges.set(cidr, range);
  }
  return range;
}

function matchesRanges(ip: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly string[]): boolean {
  for (const cidr of ranges) {
    const range = parseRange(cidr);
    if (range && range[0].kind() === ip.kind() && ip.match(range as [typeof ip, number])) return true;
  }
  return false;
}
