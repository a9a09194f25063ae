import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from './context.js';

/** Operations endpoints: /health (database and key ring), /metrics (Prometheus), /jwks.json (RFC 7517). */
export async function opsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/health', async (_req, reply) => {
    let database = 'connected';
    try {
      await sql`select 1`.execute(ctx.db);
    } catch {
      database = 'unreachable';
    }
    const encryption = ctx.keys.probe() ? 'operational' : 'failing';
    const healthy = database === 'connected' && encryption === 'operational';
    return reply.code(healthy ? 200 : 503).header('cache-control', 'no-store')
      .send({ status: healthy ? 'healthy' : 'unhealthy', database, encryption });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  app.get('/jwks.json', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(ctx.keys.jwks()));
}
