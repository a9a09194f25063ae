import type { IncomingHttpHeaders } from 'node:http';

const DEFAULT_MS = 5 * 60_000;
const MAX_MS = 24 * 3600_000;

/** Bounds a caller puts on a lifetime read from headers (see cacheLifetimeMs). */
export interface CacheBounds {
  /** Kept at least this long, whatever the headers say (no-store included). Default 0. */
  minMs?: number;
  /** Kept at most this long. Default 24 h. */
  maxMs?: number;
}

/**
 * How long a fetched document may be reused per RFC 9111 (no-store/no-cache/private: 0; s-maxage/max-age; Expires;
 * else 5 min), within `bounds` (0 to 24 h unless told). The one reading of cache headers for every document the
 * authorization server fetches (Client ID Metadata Documents, client JWKS).
 */
export function cacheLifetimeMs(headers: IncomingHttpHeaders, now = Date.now(), bounds: CacheBounds = {}): number {
  const { minMs = 0, maxMs = MAX_MS } = bounds;
  return Math.max(minMs, Math.min(headerLifetimeMs(headers, now), maxMs));
}

function headerLifetimeMs(headers: IncomingHttpHeaders, now: number): number {
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  if (/(^|,)\s*(no-store|no-cache|private)\b/.test(cc)) return 0;
  const m = /(?:^|,)\s*s-maxage=(\d+)/.exec(cc) ?? /(?:^|,)\s*max-age=(\d+)/.exec(cc);
  if (m) return Number(m[1]) * 1000;
  if (headers.expires) {
    const t = Date.parse(String(headers.expires));
    return Number.isNaN(t) ? 0 : Math.max(0, t - now);
  }
  return DEFAULT_MS;
}
