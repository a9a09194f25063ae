/**
 * The path of the public URL (`/auth` for `https://example.com/auth`), or '' at an origin's root. A proxy in front
 * forwards requests unchanged (it strips nothing); the gateway takes the prefix off as a request arrives, so every
 * route, page and `request.url` names paths as at the root (`/login`), and puts it back on every path it sends out
 * (Location headers, links in pages, the browser script's requests): see underPublicPath.
 */
export function publicPath(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/**
 * A root-relative path (`/login`, as routes name paths) as the browser must ask for it under `prefix`
 * (`/auth/login`). An absolute URL, a `//host` reference or a relative one is returned as it is.
 */
export function underPublicPath(prefix: string, path: string): string {
  if (!prefix || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return path;
  return `${prefix}${path}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The public URL's path ('' at the root, `/auth` behind a proxy at `https://example.com/auth`), taken off
     * `request.url` on arrival: what goes before a root-relative path sent out (see underPublicPath). Set on every
     * request, 404s included, by the server.
     */
    publicPath: string;
  }
}
