import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError, httpErrors } from '../errors/index.js';
import { safeEqual } from '../crypto/index.js';

const BEARER = /^Bearer (\S+)$/i;

/**
 * Guards the operational routes (`config: { operational: true }`: /metrics, /oauth/stats) with `token`
 * (OAUTH3_METRICS_TOKEN) when it is set: each such route gets an onRequest hook that wants
 * `Authorization: Bearer <token>`, compared in constant time. Unset, nothing is added and they stay open.
 * Call before the routes are added.
 */
export function operationalAccess(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (presented !== undefined && safeEqual(presented, token)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new AppError(httpErrors.ERR_UNAUTHENTICATED, 'This operational endpoint needs Authorization: Bearer <OAUTH3_METRICS_TOKEN>.');
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.operational !== true) return;
    route.onRequest = [check, ...[route.onRequest ?? []].flat()];
  });
}
