import type { IncomingHttpHeaders } from 'node:http';

const DEFAULT_MS = 5 * 60_000;
const MAX_MS = 24 * 3600_000;

/** How long a response may be reused per RFC 9111 (no-store/no-cache: 0; s-maxage/max-age; Expires; else 5 min), capped at 24 h. */
export function cacheLifetimeMs(headers: IncomingHttpHeaders, now = Date.now()): number {
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  if (/(^|,)\s*(no-store|no-cache|private)\b/.test(cc)) return 0;
  const m = /(?:^|,)\s*s-maxage=(\d+)/.exec(cc) ?? /(?:^|,)\s*max-age=(\d+)/.exec(cc);
  if (m) return Math.min(Number(m[1]) * 1000, MAX_MS);
  if (headers.expires) {
    const t = Date.parse(String(headers.expires));
    return Number.isNaN(t) ? 0 : Math.max(0, Math.min(t - now, MAX_MS));
  }
  return DEFAULT_MS;
}
