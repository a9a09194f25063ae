import type { FastifyInstance } from 'fastify';
import { addFastLane, type LaneRequest } from '../../server/fast-lanes.js';
import { errorAnswer } from '../../server/error-handler.js';

/** What an OAuth form endpoint reads from its request, whichever path (Fastify route or fast lane) carried it. */
export interface OAuthFormRequest extends Omit<LaneRequest, 'body'> {
  /** The parsed form (formParams checks its shape and the content type). */
  body: unknown;
}

/**
 * An OAuth endpoint taking a form POST (token, introspection): registered as a Fastify route marked `oauth`
 * (errors in OAuth's shape) and as a fast lane (see FastLanes) for the plain requests that make up nearly all of
 * its traffic. Both run `handle` and answer alike: its result as JSON with `headers`, or errorAnswer's answer.
 */
export function oauthFormRoute(app: FastifyInstance, path: string, headers: Record<string, string>, handle: (request: OAuthFormRequest) => Promise<unknown>): void {
  app.post(path, { config: { oauth: true } }, async (request, reply) => {
    const body = await handle(request);
    return reply.headers(headers).send(body);
  });
  addFastLane(app, 'POST', path, {
    run: async (request) => ({ status: 200, headers, body: await handle(request) }),
    fail: (error, log) => errorAnswer(error, true, log),
  });
}
