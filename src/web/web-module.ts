import type { FastifyInstance } from 'fastify';
import type { AppContext, GatewayModule } from '../kernel/index.js';
import { docsRoutes } from './docs-routes.js';
import { staticRoutes } from './static-routes.js';

/** Web foundation: /static assets and the /docs OpenAPI page. Registered before every module with routes. */
export const webModule: GatewayModule = {
  name: 'web',
  async routes(app: FastifyInstance, ctx: AppContext) {
    await docsRoutes(app, ctx);
    await staticRoutes(app);
  },
};
