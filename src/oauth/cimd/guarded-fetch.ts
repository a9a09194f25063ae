import { isIP } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { addressAllowed, guardedLookup } from '../../kernel/index.js';

export interface GuardedFetchOptions {
  allowRanges: string[];
  allowHttp: boolean;
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Whole-fetch deadline, ms (all redirects included). */
  timeoutMs: number;
  maxRedirects: number;
}

/** Why an outbound fetch was refused or failed; the message is safe to show. */
export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

/** The SSRF lookup of these fetches: every address of the host must be allowed (see guardedLookup). */
const lookupFor = (allowRanges: string[]) =>
  guardedLookup(
    (address) => addressAllowed(address, allowRanges),
    (hostname) => new FetchRefused(`${hostname} resolves to a private, loopback or link-local address`),
  );

function once(
  url: URL,
  o: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && o.allowHttp))
    throw new FetchRefused(`${url.protocol} URLs are not fetched`);
  if (url.username || url.password) throw new FetchRefused('URLs with credentials are not fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !addressAllowed(host, o.allowRanges)) throw new FetchRefused(`${host} is a private, loopback or link-local address`);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method: 'GET', headers: { accept: 'application/json' }, lookup: lookupFor(o.allowRanges), signal, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxBytes) {
            reject(new FetchRefused(`the document is larger than ${o.maxBytes} bytes`)); // settles first; the rest is ignored
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', (e) =>
      reject(
        e instanceof FetchRefused
          ? e
          : signal.aborted
            ? new FetchRefused('the fetch timed out')
            : new FetchRefused(`fetch failed (${(e as NodeJS.ErrnoException).code ?? e.message})`),
      ),
    );
    req.end();
  });
}

/**
 * GETs a URL for the authorization server (client metadata documents) with SSRF protection: https only, every
 * resolved address (and every redirect hop's) must be public unicast unless in `allowRanges`, a size cap and a
 * deadline for the whole fetch, at most `maxRedirects` redirects.
 */
export async function guardedFetch(
  url: string,
  o: GuardedFetchOptions,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await once(current, o, signal);
    if (![301, 302, 303, 307, 308].includes(res.status)) return res;
    if (hop >= o.maxRedirects) throw new FetchRefused('too many redirects');
    const location = res.headers.location;
    if (!location) throw new FetchRefused('a redirect without Location');
    current = new URL(location, current);
  }
}
