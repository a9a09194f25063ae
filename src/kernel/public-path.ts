/**
 * The path of the public URL (`/auth` for `https://example.com/auth`), or '' at an origin's root. The gateway is
 * mounted under it: a proxy in front forwards requests unchanged (it strips nothing), every route is served under
 * this prefix, and a path a page or a redirect names starts with it.
 */
export function publicPath(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/**
 * A root-relative path (`/login`, as a route names it at the root) as the browser must ask for it under `prefix`
 * (`/auth/login`). A path already under the prefix (a `return_to` built from the request's own URL, which carries
 * it), an absolute URL, a `//host` reference or a relative one is returned as it is: prefixing happens once.
 */
export function underPublicPath(prefix: string, path: string): string {
  if (!prefix || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return path;
  if (path.startsWith(prefix) && (path.length === prefix.length || '/?#'.includes(path[prefix.length]))) return path;
  return `${prefix}${path}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The public URL's path ('' at the root, `/auth` behind a proxy at `https://example.com/auth`): what pages put
     * before a root-relative link (see underPublicPath). Set on every request, 404s included, by the server.
     */
    publicPath: string;
  }
}
