import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { apiTokensRoutes } from './api-tokens-routes.js';

/**
 * Tokens: the API-token routes and page, and the hook that records the client IP of each bearer use (the
 * verifier notes the time; the IP is known only here, per request), batched by the UsageTracker.
 */
export async function tokensModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('onResponse', async (request) => {
    const p = request.principal;
    if (p && p.kind !== 'session') ctx.tokens.usage.note(p, request.ip);
  });
  await apiTokensRoutes(app, ctx);
}
