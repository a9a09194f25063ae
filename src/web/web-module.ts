import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { docsRoutes } from './docs-routes.js';
import { staticRoutes } from './static-routes.js';

/** Web foundation: /static assets and the /docs OpenAPI page. Registered before every domain with routes. */
export async function webModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await docsRoutes(app, ctx);
  await staticRoutes(app);
}
