/**
 * The upstream headers an http plugin's answer passes back: what the body is and how it may be cached. Never
 * `set-cookie` (the gateway's origin is not the upstream's), `location` (a redirect is not followed, nor handed on),
 * authentication challenges or hop-by-hop headers.
 */
export const RELAYED_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
];

/** The headers of `headers` (undici's, lower-case) that pass, each one value (a value with a control character is dropped). */
export function relayedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RELAYED_HEADERS) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value !== undefined && !/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) out[name] = value;
  }
  return out;
}
