import type { FastifyInstance } from 'fastify';
import type { CorsPolicy, LaneRequest } from '../../kernel/index.js';

/** What an OAuth form endpoint reads from its request, whichever path (Fastify route or fast lane) carried it. */
export interface OAuthFormRequest extends Omit<LaneRequest, 'body'> {
  /** The parsed form (formParams checks its shape and the content type). */
  body: unknown;
}

/**
 * An OAuth endpoint taking a form POST (token, introspection): a Fastify route marked `oauth` (errors in OAuth's
 * shape) that declares a fast lane (the server's, see server/fast-lanes.ts) for the plain requests that make up
 * nearly all of its traffic. Both run `handle` and answer alike: its result as JSON with `headers`. `cors`:
 * whether browser scripts of other origins may call it (server/public-cors.ts; the lane sends the same headers).
 */
export function oauthFormRoute(
  app: FastifyInstance,
  path: string,
  headers: Record<string, string>,
  handle: (request: OAuthFormRequest) => Promise<unknown>,
  options: { cors?: CorsPolicy } = {},
): void {
  app.post(
    path,
    {
      config: { oauth: true, cors: options.cors, lane: async (request) => ({ status: 200, headers, body: await handle(request) }) },
    },
    async (request, reply) => {
      const body = await handle(request);
      return reply.headers(headers).send(body);
    },
  );
}
