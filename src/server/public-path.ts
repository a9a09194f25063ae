import type { FastifyInstance } from 'fastify';

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
 * Keeps redirects under `prefix`: a route answers `Location: /login` as it would at the root, and the browser is
 * sent to `/auth/login`. A Location already under the prefix (a `return_to` built from the request's own URL),
 * an absolute URL or `//host` is left as it is.
 */
export function redirectsUnder(app: FastifyInstance, prefix: string): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const location = reply.getHeader('location');
    if (typeof location !== 'string' || !location.startsWith('/') || location.startsWith('//')) return payload;
    if (location === prefix || (/^[/?#]/.test(location.slice(prefix.length, prefix.length + 1)) && location.startsWith(prefix)))
      return payload;
    reply.header('location', `${prefix}${location}`);
    return payload;
  });
}
