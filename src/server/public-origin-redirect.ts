import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Whether a request is a browser asking for a page: GET or HEAD with text/html among the types it accepts. */
export function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return (request.headers.accept ?? '').split(',').some((item) => {
    const [type, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    return type === 'text/html' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
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

/**
 * Sends a page request that arrived on another origin than the public URL's (http://127.0.0.1:8000 for
 * http://localhost:8000) to the same path there: passkeys are bound to the public origin, and a sign-up on another
 * one fails in the browser without saying why. The Location is always the configured origin, never the Host
 * header's. API calls (`/api/…`), JSON and OAuth clients' requests (they do not ask for text/html) and every other
 * method are answered where they arrive: a redirect would break them. `extraOrigins` (OAUTH3_EXTRA_ORIGINS, where
 * passkeys work too) are left alone.
 */
export function redirectToPublicOrigin(app: FastifyInstance, o: { publicUrl: string; extraOrigins?: readonly string[] }): void {
  const publicUrl = new URL(o.publicUrl);
  const accepted = new Set([publicUrl.origin, ...(o.extraOrigins ?? []).map((e) => new URL(e).origin)]);
  const api = `${publicUrl.pathname.replace(/\/+$/, '')}/api/`;
  app.addHook('onRequest', async (request, reply) => {
    if (!wantsPage(request) || request.url.startsWith(api)) return;
    const origin = arrivalOrigin(request);
    if (!origin || accepted.has(origin)) return;
    const target = request.raw.url?.startsWith('/') ? request.raw.url : '/';
    return reply.redirect(`${publicUrl.origin}${target}`, 302);
  });
}
