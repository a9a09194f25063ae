import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config/index.js';
import { addressKey } from '../kernel/index.js';
import { WindowCounter, type Db } from '../store/index.js';
import { sharedRateStore } from './shared-rate-store.js';

/**
 * The routes anyone can call without credentials that start or finish a sign-in, or create state: a per-IP
 * budget keeps them from being used to guess, to flood the challenge table or to mass-register clients.
 * One list here, so the policy is seen in one place; routes stay in their domains.
 */
const limited = new Set([
  'POST /api/v1/signup/options',
  'POST /api/v1/signup',
  'POST /api/v1/signin/options',
  'POST /api/v1/signin',
  'POST /register',
  'GET /.well-known/oauth3-attestation', // a TEE quote is expensive
]);

/**
 * Installs the per-IP limits (before any route is registered, so the routes above pick them up). The counts are
 * on the database (sharedRateStore): any number of instances and workers on one database allow an IP the
 * configured number a window in all, each route counted apart.
 */
export async function installRateLimits(app: FastifyInstance, config: Config, db: Db): Promise<void> {
  if (!config.rateLimitAuth) return;
  const timeWindow = config.rateLimitAuthWindow * 1000;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => limited.has(`${m} ${route.url}`))) {
      route.config = { ...(route.config as object), rateLimit: { max: config.rateLimitAuth, timeWindow } } as typeof route.config;
    }
  });
  await app.register(rateLimit, {
    global: false,
    store: sharedRateStore(new WindowCounter(db)),
    keyGenerator: (request) => addressKey(request.ip), // an IPv6 client by its /64
  });
}
