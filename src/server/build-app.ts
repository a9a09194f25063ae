import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { AppContext, GatewayModule } from '../kernel/index.js';
import { clientErrorHandler } from './client-error-handler.js';
import { installErrorHandler } from './error-handler.js';
import { rejectNul } from './reject-nul.js';
import { securityHeaderList, securityHeaders } from './security-headers.js';
import { FastLanes, requestIds } from './fast-lanes.js';
import { RequestLog } from './request-log.js';
import { installRateLimits } from './rate-limits.js';
import { FloodGuard, installFloodGuard } from './flood-guard.js';
import { builtinModules } from './builtin-modules.js';
import { watchRequestHooks } from './request-hook-watch.js';
import { redirectToPublicOrigin } from './public-origin-redirect.js';
import { operationalAccess } from './operational-access.js';
import { publicCors } from './public-cors.js';
import { keepUnderPublicPath, publicPath, rewriteUnder } from './public-path.js';

/** Assembles the Fastify app: the server's own parts, then the routes of every module (in order) on the context. Does not listen. */
export async function buildApp(ctx: AppContext, modules: readonly GatewayModule[] = builtinModules): Promise<FastifyInstance> {
  const https = ctx.config.publicUrl.startsWith('https:');
  const headers = securityHeaderList({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'", 'http:', 'https:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: false,
  });
  const genReqId = requestIds();
  const flood = new FloodGuard(ctx.config.floodLimit, ctx.config.floodWindow);
  const lanes = new FastLanes(ctx, headers, genReqId, flood);
  const prefix = publicPath(ctx.config.publicUrl);
  const app = Fastify({
    // A public URL with a path (behind a proxy at https://example.com/auth): requests arrive under it, routes are at the root.
    ...(prefix ? { rewriteUrl: rewriteUnder(prefix) } : {}),
    serverFactory: lanes.serverFactory,
    genReqId,
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: ctx.config.trustProxy,
    logController: new RequestLog(),
    return503OnClosing: true,
    clientErrorHandler,
    forceCloseConnections: 'idle',
    // route schemas may give a field a list of types (`type: ['array', 'string']`): JSON Schema allows it, and Ajv's
    // strict mode would otherwise print a warning at every start
    ajv: { customOptions: { allowUnionTypes: true } },
  });
  installErrorHandler(app);
  rejectNul(app);
  await installRateLimits(app, ctx.config, ctx.db);
  installFloodGuard(app, flood, ctx.config);
  await app.register(formbody, { bodyLimit: ctx.config.bodyLimit });
  await app.register(cookie);
  securityHeaders(app, headers);
  redirectToPublicOrigin(app, ctx.config); // a core hook, added before the watch: the lanes (form POSTs) stay on
  lanes.attach(app);
  operationalAccess(app, ctx.config.metricsToken);
  publicCors(app);
  keepUnderPublicPath(app, prefix);

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.requestCompleted(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });

  let registering: GatewayModule | undefined;
  watchRequestHooks(
    app,
    () => registering !== undefined && builtinModules.includes(registering),
    (hook) => {
      lanes.disable(`module ${registering?.name ?? '(after start)'} adds an ${hook} hook`);
    },
  );
  for (const mod of modules) {
    registering = mod;
    await mod.routes?.(app, ctx);
  }
  registering = undefined;
  return app;
}
