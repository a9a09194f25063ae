import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify';

/**
 * The headers of an answer on a `cors: 'public'` route: any origin may read it, never with credentials (no
 * Allow-Credentials, so a browser sends no cookie and reads no answer to one), and the challenge header is
 * readable (a 401's WWW-Authenticate).
 */
export const PUBLIC_CORS_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['access-control-allow-origin', '*'],
  ['access-control-expose-headers', 'WWW-Authenticate'],
];

/** What a preflight allows beyond the method: the headers an MCP client sends. Browsers cap the max-age at 2 h. */
const PREFLIGHT_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['access-control-allow-headers', 'Authorization, Content-Type, MCP-Protocol-Version'],
  ['access-control-max-age', '7200'],
  ['cache-control', 'public, max-age=7200'],
];

/** Marks the OPTIONS routes this capability adds, so that adding them does not recurse. */
const PREFLIGHT = Symbol('public-cors-preflight');

/**
 * CORS for browser-based MCP clients (e.g. the MCP Inspector), as a route capability: a route declaring
 * `config: { cors: 'public' }` (discovery, /register, /token, /revoke, /jwks.json) answers every request, errors
 * included, with PUBLIC_CORS_HEADERS and gets an OPTIONS route answering preflights with its methods. Every other
 * route (pages, /api/v1: cookie-authenticated) sends no CORS header and has no preflight, so a browser refuses a
 * cross-origin call there. The fast lanes send the same headers (server/fast-lanes.ts).
 * Call before the routes are added.
 */
export function publicCors(app: FastifyInstance): void {
  // One onRequest hook, first of all: a 429 of the rate limiter or a 413 of the body parser is readable too.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.cors === 'public') for (const [name, value] of PUBLIC_CORS_HEADERS) reply.raw.setHeader(name, value);
    done();
  });
  const methods = new Map<string, Set<string>>();
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions & { routePath?: string }) {
    if (route.config?.cors !== 'public' || (route.config as Record<symbol, unknown>)[PREFLIGHT]) return;
    const known = methods.get(route.url!);
    const set = known ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m);
    methods.set(route.url!, set);
    if (known) return;
    this.route({
      method: 'OPTIONS' as HTTPMethods,
      url: route.routePath ?? route.url!,
      config: { cors: 'public', [PREFLIGHT]: true } as RouteOptions['config'],
      handler: async (_request: FastifyRequest, reply: FastifyReply) => {
        reply.code(204).header('access-control-allow-methods', [...set, 'OPTIONS'].join(', ')); // read now: later routes may add methods
        for (const [name, value] of PREFLIGHT_HEADERS) reply.header(name, value);
        return reply.send();
      },
    });
  });
}
