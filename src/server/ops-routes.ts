import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { AggregatorRegistry } from 'prom-client';
import type { AppContext } from '../kernel/index.js';
import { buildDigest, teeOf } from '../attestation/index.js';

/**
 * Operations endpoints: /metrics (Prometheus), /jwks.json (RFC 7517) and /health: the database and the key ring; the
 * build digest (null when run from source); whether it runs in a TEE; the worker in a cluster; on PostgreSQL, how
 * other instances' revocations arrive (`notified` while the LISTEN connection is up; `polled` while it is being
 * re-established, when they arrive within the poll interval instead: informational, not unhealthy).
 */
export async function opsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/health', async (_req, reply) => {
    let database = 'connected';
    try {
      await sql`select 1`.execute(ctx.db);
    } catch {
      database = 'unreachable';
    }
    const encrypting = ctx.keys.probe() && ctx.registries.healthChecks.all().every((c) => c.check());
    const encryption = encrypting ? 'operational' : 'failing';
    const healthy = database === 'connected' && encryption === 'operational';
    return reply
      .code(healthy ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({
        status: healthy ? 'healthy' : 'unhealthy',
        database,
        encryption,
        build: buildDigest(),
        tee: teeOf(ctx).inTee,
        ...(ctx.dialect === 'postgres' ? { revocations: ctx.tokens.revocationsNotified ? 'notified' : 'polled' } : {}),
        ...(ctx.peers ? { worker: ctx.peers.workerId } : {}),
      });
  });

  // In a cluster, any worker answers with every worker's metrics summed: the primary asks each worker for its
  // registry (prom-client's constructor installs the worker's answering side) and adds them up.
  if (ctx.peers) {
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([ctx.metrics.registry]);
  }
  app.get('/metrics', { config: { operational: true } }, async (_req, reply) => {
    const body = ctx.peers ? String(await ctx.peers.request('metrics')) : await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  app.get('/jwks.json', { config: { cors: 'public' } }, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(ctx.keys.jwks()),
  );
}
