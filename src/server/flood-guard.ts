import type { FastifyInstance, RouteOptions } from 'fastify';
import { AppError, httpErrors } from '../errors/index.js';
import type { Config } from '../config/index.js';
import { addressKey } from '../kernel/index.js';

/** How many addresses are counted at most (the map stays bounded whatever a flood of addresses sends). */
const MAX_ADDRESSES = 100_000;

/** The routes a flood from one address is cut off on: the token endpoint, the proxy's calls and the MCP endpoints. */
export function isFloodGuarded(method: string, url: string): boolean {
  if (url === '/token') return method === 'POST';
  if (url.startsWith('/proxy/')) return method === 'POST';
  return url === '/mcp' || url.startsWith('/mcp/');
}

/**
 * Requests per client address in fixed windows (starting at an address's first request), in this process's memory:
 * past OAUTH3_FLOOD_LIMIT every request of that address to a guarded route gets 429 ERR_RATE_LIMITED with
 * Retry-After until its window ends. Per instance on purpose: a shared count would be a database write on every
 * token request, the endpoint whose speed is measured (bench/token-endpoint.bench.ts); N instances let an address
 * through N times the limit, which is still a flood cut off. The sign-in, sign-up and registration limits are the
 * shared ones (rate-limits.ts). One per app.
 */
export class FloodGuard {
  private readonly counts = new Map<string, { n: number; until: number }>();
  private readonly windowMs: number;

  constructor(
    private readonly limit: number,
    windowSeconds: number,
  ) {
    this.windowMs = windowSeconds * 1000;
  }

  /**
   * Counts one request of `ip` (by its addressKey: an IPv6 address by its /64); throws 429 ERR_RATE_LIMITED (with
   * retryAfter) past the limit.
   */
  count(ip: string, now = Date.now()): void {
    if (!this.limit) return;
    const address = addressKey(ip);
    const c = this.counts.get(address);
    if (c && c.until > now) {
      if (++c.n <= this.limit) return;
      const retryAfter = Math.max(1, Math.ceil((c.until - now) / 1000));
      const err = new AppError(httpErrors.ERR_RATE_LIMITED, `Too many requests from this address: retry in ${retryAfter} s.`);
      err.retryAfter = retryAfter;
      throw err;
    }
    if (c)
      this.counts.delete(address); // re-inserted last: the map's order stays the order of the windows' ends
    else if (this.counts.size >= MAX_ADDRESSES) this.prune(now);
    this.counts.set(address, { n: 1, until: now + this.windowMs });
  }

  /** Drops ended windows (the oldest come first); if all are live, the oldest tenth. */
  private prune(now: number): void {
    let drop = Math.max(1, Math.floor(MAX_ADDRESSES / 10));
    for (const [address, c] of this.counts) {
      if (c.until > now && drop-- <= 0) break;
      this.counts.delete(address);
    }
  }
}

/** Puts the guard in front of the guarded routes (their own onRequest hook; the fast lanes call it themselves). */
export function installFloodGuard(app: FastifyInstance, guard: FloodGuard, config: Config): void {
  if (!config.floodLimit) return;
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat();
    if (!methods.some((m) => isFloodGuarded(m, route.url))) return;
    const hook = async (request: { ip: string; method: string }) => {
      if (isFloodGuarded(request.method, route.url)) guard.count(request.ip);
    };
    route.onRequest = [hook, ...[route.onRequest ?? []].flat()];
  });
}
