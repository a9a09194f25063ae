import type { FastifyInstance, RouteOptions } from 'fastify';
import { underPublicPath } from '../kernel/index.js';

export { publicPath } from '../kernel/index.js';

const WELL_KNOWN = /^\/\.well-known\/(oauth-authorization-server|openid-configuration|oauth-protected-resource)(\/[^?]*)?(\?.*)?$/;

/**
 * Fastify's `rewriteUrl` for a gateway under `prefix`: the path-inserted discovery forms (RFC 8414 §3.1, RFC 9728
 * §3.1: `/.well-known/oauth-authorization-server/auth`, `/.well-known/oauth-protected-resource/auth/mcp/x`) sit at
 * the origin's root, so they are served as the same documents under the prefix (`/auth/.well-known/…`).
 */
export function wellKnownUnder(prefix: string): (url: string) => string {
  return (url) => {
    const m = WELL_KNOWN.exec(url);
    const rest = m?.[2] ?? '';
    if (!m || !(rest === prefix || rest.startsWith(`${prefix}/`))) return url;
    return `${prefix}/.well-known/${m[1]}${rest.slice(prefix.length)}${m[3] ?? ''}`;
  };
}

/**
 * Keeps pages and redirects under `prefix` ('' at the root): every request knows it (`request.publicPath`, which the
 * page renderer puts before root-relative links), and a route answering `Location: /login` as it would at the root
 * sends the browser to `/auth/login` (underPublicPath: a Location already under the prefix, an absolute URL or
 * `//host` is left as it is). A prefix that is also the start of a route's own path (`/account`, `/oauth`) is refused
 * when that route is registered: `/account/passkeys` could not be told from a path already under it.
 */
export function keepUnderPublicPath(app: FastifyInstance, prefix: string): void {
  app.decorateRequest('publicPath', prefix);
  if (!prefix) return;
  app.addHook('onRoute', (route: RouteOptions) => {
    const under = route.url === prefix || route.url.startsWith(`${prefix}/`);
    const path = under ? route.url.slice(prefix.length) : route.url; // as the route names itself at the root
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return;
    throw new Error(
      `OAUTH3_PUBLIC_URL's path ${prefix} is also where the gateway's own ${path} starts: serve the gateway under another path (e.g. /auth)`,
    );
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const location = reply.getHeader('location');
    if (typeof location === 'string') reply.header('location', underPublicPath(prefix, location));
    return payload;
  });
}
