import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * A `lookup` for outbound connections (node:http's, undici's connect) that resolves like dns.lookup but fails unless
 * every address of the host passes `allowed` (the SSRF address policy): no DNS-rebinding gap, since the socket
 * connects to an address that was checked. `refused` makes the error (its message is shown; it names the host).
 */
export function guardedLookup(allowed: (address: string) => boolean, refused: (hostname: string) => Error): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: 0 }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const bad = addresses.find((a) => !allowed(a.address));
      if (bad || addresses.length === 0) return callback(refused(hostname), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
