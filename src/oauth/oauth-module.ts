import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { resourcesOf } from './resources/resource-registry.js';
import { metadataRoutes } from './endpoints/metadata-routes.js';
import { registrationEndpoint } from './endpoints/registration-endpoint.js';
import { tokenEndpoint } from './endpoints/token-endpoint.js';
import { revocationEndpoint } from './endpoints/revocation-endpoint.js';
import { introspectionEndpoint } from './endpoints/introspection-endpoint.js';
import { statsRoute } from './endpoints/stats-route.js';
import { authorizeRoutes } from './authorize/authorize-routes.js';
import { appsRoutes } from './apps/apps-routes.js';
import { pruneExpired } from './tokens/prune-expired.js';

/** The authorization server: discovery, registration, authorize + consent, token, revoke, introspect, stats, apps. */
export async function oauthModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  resourcesOf(ctx); // declares configured resources' scopes at start
  for (const routes of [metadataRoutes, registrationEndpoint, tokenEndpoint, revocationEndpoint, introspectionEndpoint, statsRoute, authorizeRoutes, appsRoutes]) {
    await routes(app, ctx);
  }
  const prune = setInterval(() => void pruneExpired(ctx).catch((err) => ctx.log.warn({ err }, 'pruning expired OAuth rows failed')), 10 * 60_000);
  prune.unref();
  ctx.onClose.push(() => clearInterval(prune));
}
