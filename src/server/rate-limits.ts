import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config/index.js';

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
 * Each worker of a cluster counts on its own, so each allows its share of the budget: however an IP's
 * connections are spread over the workers, it gets at most the configured number a minute in all (each
 * worker allows at least one).
 */
function perWorker(config: Config): number {
  return Math.max(1, Math.floor(config.rateLimitAuth / config.workers));
}

/** Installs the per-IP limits (before any route is registered, so the routes above pick them up). */
export async function installRateLimits(app: FastifyInstance, config: Config): Promise<void> {
  if (!config.rateLimitAuth) return;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => limited.has(`${m} ${route.url}`))) {
      route.config = { ...(route.config as object), rateLimit: { max: perWorker(config), timeWindow: 60_000 } } as typeof route.config;
    }
  });
  await app.register(rateLimit, { global: false });
}
