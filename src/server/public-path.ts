import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { underPublicPath } from '../kernel/index.js';

export { publicPath } from '../kernel/index.js';

const WELL_KNOWN = /^\/\.well-known\/(oauth-authorization-server|openid-configuration|oauth-protected-resource)(\/[^?]*)?(\?.*)?$/;
/** Set on a request that arrived outside the public URL's path: it is answered 404, as if nothing were there. */
const OUTSIDE = Symbol('outside the public path');

/**
 * The path a request names as the routes see it under `prefix` (`/auth`): `/auth/login` is `/login`, and the
 * path-inserted discovery forms at the origin's root (RFC 8414 §3.1, RFC 9728 §3.1:
 * `/.well-known/oauth-authorization-server/auth`, `/.well-known/oauth-protected-resource/auth/mcp/x`) are the
 * documents (`/.well-known/oauth-authorization-server`, `…/oauth-protected-resource/mcp/x`). Undefined for
 * anything else: it is outside the gateway.
 */
export function routePathUnder(prefix: string, url: string): string | undefined {
  if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) {
    const rest = url.slice(prefix.length);
    return rest.startsWith('/') ? rest : `/${rest}`;
  }
  const m = WELL_KNOWN.exec(url);
  const rest = m?.[2] ?? '';
  if (!m || !(rest === prefix || rest.startsWith(`${prefix}/`))) return undefined;
  return `/.well-known/${m[1]}${rest.slice(prefix.length)}${m[3] ?? ''}`;
}

/** Fastify's `rewriteUrl` for a gateway under `prefix`: the route path (routePathUnder); outside it, marked for a 404. */
export function rewriteUnder(prefix: string): (req: IncomingMessage) => string {
  return (req) => {
    const url = req.url ?? '/';
    const path = routePathUnder(prefix, url);
    if (path !== undefined) return path;
    (req as IncomingMessage & { [OUTSIDE]?: true })[OUTSIDE] = true;
    return url;
  };
}

/**
 * Keeps the gateway under `prefix` ('' at the root): every request knows it (`request.publicPath`, which the page
 * renderer and the ceremony API put before the paths they send), a request that arrived outside it gets the 404 of
 * a path with nothing there, and a route answering `Location: /login` as at the root sends the browser to
 * `/auth/login` (an absolute URL or `//host` is left as it is).
 */
export function keepUnderPublicPath(app: FastifyInstance, prefix: string): void {
  app.decorateRequest('publicPath', prefix);
  if (!prefix) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!(request.raw as IncomingMessage & { [OUTSIDE]?: true })[OUTSIDE]) return;
    reply.callNotFound();
    return reply;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const location = reply.getHeader('location');
    if (typeof location === 'string') reply.header('location', underPublicPath(prefix, location));
    return payload;
  });
}
