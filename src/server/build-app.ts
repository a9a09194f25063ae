import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { AppContext } from './context.js';
import { installErrorHandler } from './error-handler.js';
import { rejectNul } from './reject-nul.js';
import { securityHeaderList, securityHeaders } from './security-headers.js';
import { FastLanes, requestIds } from './fast-lanes.js';
import { RequestLog } from './request-log.js';
import { installRateLimits } from './rate-limits.js';
import { opsRoutes } from './ops-routes.js';
import { webModule } from '../web/index.js';
import { accountsModule } from '../accounts/index.js';
import { oauthModule } from '../oauth/index.js';
import { tokensModule } from '../tokens/index.js';
import { agentsModule } from '../agents/index.js';

/** A domain module: registers its routes (and hooks) on the app with the shared context. */
export type Module = (app: FastifyInstance, ctx: AppContext) => Promise<void>;

/** Every domain, in registration order. `server/` is the only place that knows them all. */
const modules: Module[] = [opsRoutes, webModule, accountsModule, oauthModule, tokensModule, agentsModule];

/** Assembles the Fastify app from the context and the domain modules (plus `extra`, for embedders). Does not listen. */
export async function buildApp(ctx: AppContext, extra: Module[] = []): Promise<FastifyInstance> {
  const https = ctx.config.publicUrl.startsWith('https:');
  const headers = securityHeaderList({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
        formAction: ["'self'", 'http:', 'https:'], frameAncestors: ["'none'"], baseUri: ["'none'"], objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: false,
  });
  const genReqId = requestIds();
  const lanes = new FastLanes(ctx, headers, genReqId);
  const app = Fastify({
    serverFactory: lanes.serverFactory,
    genReqId,
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: ctx.config.trustProxy,
    logController: new RequestLog(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  installErrorHandler(app);
  rejectNul(app);
  await installRateLimits(app, ctx.config);
  await app.register(formbody, { bodyLimit: ctx.config.bodyLimit });
  await app.register(cookie);
  securityHeaders(app, headers);
  lanes.attach(app);

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.requestCompleted(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });

  for (const mod of [...modules, ...extra]) await mod(app, ctx);
  return app;
}
