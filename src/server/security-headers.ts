import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { FastifyHelmetOptions } from '@fastify/helmet';

type HelmetOptions = Omit<FastifyHelmetOptions, 'global' | 'enableCSPNonces'>;

/** Sets the security headers (from securityHeaderList) on every response Fastify answers. */
export function securityHeaders(app: FastifyInstance, headers: ReadonlyArray<readonly [string, string]>): void {
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}

/**
 * helmet's security headers (CSP, nosniff, frame and referrer policies…) for `options`. They depend only on the
 * options, so they are computed once by running helmet on a recording response; @fastify/helmet instead rebuilds
 * helmet's middleware (and re-parses the CSP) on every request, which cost more than signing a token. Uses the
 * helmet that @fastify/helmet depends on.
 */
export function securityHeaderList(options: HelmetOptions): Array<[string, string]> {
  const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as (
    o: HelmetOptions,
  ) => (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
  const headers: Array<[string, string]> = [];
  const recorder = { setHeader: (name: string, value: string) => headers.push([name, value]), removeHeader: () => undefined };
  helmet(options)({}, recorder, (err) => {
    if (err) throw err;
  });
  return headers;
}
