import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ensureBrowserAssets, publicDir } from './browser-assets.js';

/** Serves /static (Pico CSS, app.css, the bundled app.js), building the bundle first in a source checkout. */
export async function staticRoutes(app: FastifyInstance): Promise<void> {
  await ensureBrowserAssets();
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', decorateReply: false, maxAge: '1h' });
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
}
