import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyServerOptions, RouteOptions } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';
import { parse as parseForm } from 'fast-querystring';
import { publicPath, type AppContext, type LaneHandler, type LaneRequest, type LaneResponse } from '../kernel/index.js';
import { errorAnswer } from './error-handler.js';
import { refuseNul } from './reject-nul.js';
import { writeRequestLine } from './request-log.js';
import { PUBLIC_CORS_HEADERS } from './public-cors.js';
import { isFloodGuarded, type FloodGuard } from './flood-guard.js';

const FORM = /^application\/x-www-form-urlencoded\b/i;

/** A lane as its route declared it: the handler, the route's `oauth` and `cors` options, whether the flood guard counts it. */
interface Lane {
  run: LaneHandler;
  oauth: boolean;
  cors: boolean;
  flood: boolean;
}

/** Request ids shared by Fastify (its `genReqId`) and the lanes, in Fastify's default form: one sequence per app. */
export function requestIds(): () => string {
  let next = 0;
  return () => `req-${(next++).toString(36)}`;
}

/**
 * Fast lanes: a hot form POST (token, introspection) answered straight from Node's HTTP server, without Fastify's
 * request cycle (routing, hooks, reply pipeline, the `finish` listeners), which costs a request more than
 * signing its token (bench/README.md). A lane runs the same handler code as its Fastify route and
 * gives the same answer: the same security headers, errors, log line (`request completed`, with a request id of
 * the same sequence) and metrics.
 * It takes only the plain case: the exact path, a form body whose Content-Length is within the body limit, and
 * no Transfer-Encoding; anything else (and every request once the server is closing) goes to Fastify.
 *
 * A route declares its lane in its options (`config: { lane }`); `attach` collects them. A lane never skips a
 * hook: the built-in modules add no request hook that a lane's route needs, and as soon as any other module adds
 * a request hook (onRequest … preHandler), or OAUTH3_FAST_LANES is off, every request goes through Fastify.
 */
export class FastLanes {
  private readonly lanes = new Map<string, Lane>();
  private closing = false;
  /** Why lanes are off (undefined: on). */
  private off: string | undefined;
  private readonly trust: ((addr: string, i: number) => boolean) | undefined;
  /** The public URL's path: a lane's route path arrives under it (`/auth/token`). */
  private readonly prefix: string;

  constructor(
    private readonly ctx: AppContext,
    private readonly securityHeaders: ReadonlyArray<readonly [string, string]>,
    private readonly nextRequestId: () => string,
    /** The per-address flood limit its Fastify route has as an onRequest hook (flood-guard.ts), counted here too. */
    private readonly flood?: FloodGuard,
  ) {
    this.trust = ctx.config.trustProxy ? () => true : undefined;
    this.prefix = publicPath(ctx.config.publicUrl);
    if (!ctx.config.fastLanes) this.off = 'OAUTH3_FAST_LANES is off';
  }

  /** Fastify's `serverFactory`: an HTTP server (with Fastify's timeouts) that offers each request to the lanes first. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: FastifyServerOptions): Server => {
    const server = createServer((req, res) => {
      if (!this.take(req, res)) handler(req, res);
    });
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
    server.requestTimeout = opts.requestTimeout ?? 0;
    server.setTimeout(opts.connectionTimeout ?? 0);
    return server;
  };

  /** Ties the lanes to their app: routes declare theirs in `config.lane`; once the app starts closing, Fastify answers all. */
  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const lane = route.config?.lane;
      if (!lane) return;
      for (const method of [route.method].flat()) {
        if (method !== 'POST') throw new Error(`a fast lane takes form POSTs only (${method} ${route.url})`);
        this.lanes.set(`${method} ${route.url}`, {
          run: lane,
          oauth: route.config?.oauth === true,
          cors: route.config?.cors === 'public',
          flood: isFloodGuarded(method, route.url),
        });
      }
    });
    app.addHook('preClose', (done) => {
      this.closing = true;
      done();
    });
  }

  /** Turns every lane off for good (a request hook the lanes would skip was added); logs why once. */
  disable(reason: string): void {
    if (this.off) return;
    this.off = reason;
    this.ctx.log.info({ reason }, 'fast lanes off: every request goes through Fastify');
  }

  /** Why the lanes are off, or undefined while they are on. */
  get offReason(): string | undefined {
    return this.off;
  }

  private take(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing || this.off || this.lanes.size === 0) return false;
    const url = req.url!;
    // Under a public URL's path only `/auth/token` is the lane's `/token` (a request outside it goes to Fastify's 404).
    const path = !this.prefix ? url : url.startsWith(`${this.prefix}/`) ? url.slice(this.prefix.length) : undefined;
    const handler = path === undefined ? undefined : this.lanes.get(`${req.method} ${path}`);
    const length = Number(req.headers['content-length']);
    if (
      !handler ||
      !FORM.test(req.headers['content-type'] ?? '') ||
      req.headers['transfer-encoding'] !== undefined ||
      !(length <= this.ctx.config.bodyLimit)
    )
      return false;
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy()); // the client went away mid-body: nothing to answer
    req.on('end', () => {
      this.answer(req, res, handler, path!, Buffer.concat(chunks).toString('utf8'), start).catch((err) => {
        this.ctx.log.error({ err }, 'fast lane failed'); // a bug here must not take the process down
        res.destroy();
      });
    });
    return true;
  }

  private async answer(req: IncomingMessage, res: ServerResponse, handler: Lane, path: string, raw: string, start: number): Promise<void> {
    const reqId = this.nextRequestId();
    const ip = this.trust ? proxyAddr(req, this.trust) : (req.socket.remoteAddress ?? '');
    const request: LaneRequest = { headers: req.headers, ip, body: parseForm(raw) as Record<string, unknown> };
    let response: LaneResponse;
    let body: string;
    try {
      if (handler.flood) this.flood?.count(ip);
      refuseNul(req.url!, request.body);
      response = await handler.run(request);
      body = JSON.stringify(response.body); // inside: a body that cannot be serialised is a 500, as in Fastify
    } catch (e) {
      response = errorAnswer(e, handler.oauth, this.ctx.log.child({ reqId }));
      body = JSON.stringify(response.body);
    }
    for (const [name, value] of this.securityHeaders) res.setHeader(name, value);
    if (handler.cors) for (const [name, value] of PUBLIC_CORS_HEADERS) res.setHeader(name, value);
    res.writeHead(response.status, {
      ...response.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    const ms = performance.now() - start;
    this.ctx.metrics.requestCompleted(req.method!, path, response.status, ms);
    writeRequestLine(
      this.ctx.log,
      `,"reqId":${JSON.stringify(reqId)}`,
      { method: req.method!, url: req.url!, ip, headers: req.headers },
      response.status,
      ms,
    );
  }
}
