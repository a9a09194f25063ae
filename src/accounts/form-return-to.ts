import type { FastifyRequest } from 'fastify';

/**
 * The page a request came from, to come back to after sign-in or a stale form: the request's own path when it is
 * a page (GET), else the nearest parent path that is one (a form posted to `/account/tokens/:id/revoke` comes back
 * to its confirmation page, `/account/profile` to `/account`). Works from the matched route's pattern, so no
 * Referer is needed (the gateway sends `Referrer-Policy: no-referrer`).
 */
export function formReturnTo(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  if (request.method === 'GET' || request.method === 'HEAD') return request.url;
  const pattern = request.routeOptions.url;
  if (!pattern) return '/account';
  const concrete = path.split('/');
  const shape = pattern.split('/');
  if (concrete.length !== shape.length) return '/account';
  for (let n = shape.length; n > 1; n--) {
    if (request.server.hasRoute({ method: 'GET', url: shape.slice(0, n).join('/') })) return concrete.slice(0, n).join('/');
  }
  return '/account';
}
