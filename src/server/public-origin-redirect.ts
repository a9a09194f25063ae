import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptsHtml } from '../web/index.js';

/** Whether a request is a browser asking for a page: GET or HEAD with text/html among the types it accepts. */
export function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && acceptsHtml(request.headers.accept);
}

/** The origin a request arrived on (`request.host` is the forwarded host with OAUTH3_TRUST_PROXY), if it is one. */
function arrivalOrigin(request: FastifyRequest): string | undefined {
  if (!request.host) return undefined;
  try {
    return new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return undefined;
  }
}

/** Whether a URL's host is this machine (localhost, 127.0.0.0/8, [::1]): nothing can stand in front of it. */
function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

/**
 * Sends a page request that arrived on another origin than the public URL's (http://127.0.0.1:8000 for
 * http://localhost:8000) to the same path there: passkeys are bound to the public origin, and a sign-up on another
 * one fails in the browser without saying why. The Location is always the configured origin, never the Host
 * header's. API calls (`/api/…`), JSON and OAuth clients' requests (they do not ask for text/html) and every other
 * method are answered where they arrive: a redirect would break them. `extraOrigins` (OAUTH3_EXTRA_ORIGINS, where
 * passkeys work too) are left alone.
 *
 * Only where the arrival origin is known, so that a redirect can never loop: with `trustProxy`, a request the proxy
 * names (X-Forwarded-Host); without, a public URL on this machine (http://localhost…). Behind a proxy that is not
 * trusted, Host and scheme are the proxy's own (nginx sends its upstream's address by default), not the browser's.
 */
export function redirectToPublicOrigin(
  app: FastifyInstance,
  o: { publicUrl: string; trustProxy: boolean; extraOrigins?: readonly string[] },
): void {
  const publicUrl = new URL(o.publicUrl);
  const accepted = new Set([publicUrl.origin, ...(o.extraOrigins ?? []).map((e) => new URL(e).origin)]);
  const local = isLoopback(publicUrl);
  app.addHook('onRequest', async (request, reply) => {
    if (!wantsPage(request) || request.url.startsWith('/api/')) return; // request.url is the route path (public-path.ts)
    if (!local && !(o.trustProxy && request.headers['x-forwarded-host'] !== undefined)) return;
    const origin = arrivalOrigin(request);
    if (!origin || accepted.has(origin)) return;
    const target = request.originalUrl.startsWith('/') ? request.originalUrl : '/'; // as it arrived, under the public URL's path
    return reply.redirect(`${publicUrl.origin}${target}`, 302);
  });
}
