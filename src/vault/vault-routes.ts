import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { serverApiRoutes } from './server-api/server-api-routes.js';
import { connectRoutes } from './connect/connect-routes.js';

/** The vault's routes: the connect flow and Connections page, and the server API for MCP servers. */
export async function vaultRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await connectRoutes(app, ctx);
  await serverApiRoutes(app, ctx);
}
