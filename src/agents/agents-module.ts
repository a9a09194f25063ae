import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { agentsRoutes } from './agents-routes.js';

/** Agents and delegation: the Proxyme API, /api/v1/me/agents and the Agents page. */
export async function agentsModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await agentsRoutes(app, ctx);
}
