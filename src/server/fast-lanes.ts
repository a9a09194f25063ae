import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';
import { parse as parseForm } from 'fast-querystring';
import type { ErrorAnswer } from './error-handler.js';
import type { AppContext } from './context.js';
import { refuseNul } from './reject-nul.js';
import { writeRequestLine } from './request-log.js';

/** A form request as a lane's handler sees it: what the Fastify route would have read from its request. */
export interface LaneRequest {
  headers: IncomingMessage['headers'];
  ip: string;
  /** The form, parsed as @fastify/formbody parses it (a repeated name gives an array). */
  body: Record<string, unknown>;
}

export type LaneResponse = ErrorAnswer;

/**
 * A lane's work: `run` answers the request; `fail` turns whatever `run` (or the checks before it) threw into the
 * answer, calling `log` for what the error handler would log.
 */
export interface LaneHandler {
  run(request: LaneRequest): Promise<LaneResponse>;
  fail(error: unknown, log: (err: unknown) => void): LaneResponse;
}

const FORM = /^application\/x-www-form-urlencoded\b/i;
const lanesOf = new WeakMap<FastifyInstance, FastLanes>();

/** Request ids shared by Fastify (its `genReqId`) and the lanes, in Fastify's default form: one sequence per app. */
export function requestIds(): () => string {
  let next = 0;
  return () => `req-${(next++).toString(36)}`;
}

/**
 * Fast lanes: a hot form POST (token, introspection) answered straight from Node's HTTP server, without Fastify's
 * request cycle (routing, hooks, reply pipeline, the `finish` listeners), which costs a request more than
 * signing its token (about 35 µs of CPU, measured). A lane runs the same handler code as its Fastify route and
 * gives the same answer: the same security headers, errors, log line (`request completed`, with a request id of
 * the same sequence) and metrics.
 * It takes only the plain case: the exact path, a form body whose Content-Length is within the body limit, and
 * no Transfer-Encoding; anything else (and every request once the server is closing) goes to Fastify.
 */
export class FastLanes {
  private readonly lanes = new Map<string, LaneHandler>();
  private closing = false;
  private readonly trust: ((addr: string, i: number) => boolean) | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly securityHeaders: ReadonlyArray<readonly [string, string]>,
    private readonly nextRequestId: () => string,
  ) {
    this.trust = ctx.config.trustProxy ? () => true : undefined;
  }

  /** Fastify's `serverFactory`: an HTTP server (with Fastify's timeouts) that offers each request to the lanes first. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: FastifyServerOptions): Server => {
    const server = createServer((req, res) => { if (!this.take(req, res)) handler(req, res); });
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
    server.requestTimeout = opts.requestTimeout ?? 0;
    server.setTimeout(opts.connectionTimeout ?? 0);
    return server;
  };

  /** Ties the lanes to their app: routes add theirs with `addFastLane`; once the app starts closing, Fastify answers all. */
  attach(app: FastifyInstance): void {
    lanesOf.set(app, this);
    app.addHook('preClose', (done) => { this.closing = true; done(); });
  }

  add(method: string, path: string, handler: LaneHandler): void {
    this.lanes.set(`${method} ${path}`, handler);
  }

  private take(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing || this.lanes.size === 0) return false;
    const handler = this.lanes.get(`${req.method} ${req.url}`);
    const length = Number(req.headers['content-length']);
    if (!handler || !FORM.test(req.headers['content-type'] ?? '') || req.headers['transfer-encoding'] !== undefined
      || !(length <= this.ctx.config.bodyLimit)) return false;
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy()); // the client went away mid-body: nothing to answer
    req.on('end', () => {
      this.answer(req, res, handler, Buffer.concat(chunks).toString('utf8'), start).catch((err) => {
        this.ctx.log.error({ err }, 'fast lane failed'); // a bug here must not take the process down
        res.destroy();
      });
    });
    return true;
  }

  private async answer(req: IncomingMessage, res: ServerResponse, handler: LaneHandler, raw: string, start: number): Promise<void> {
    const reqId = this.nextRequestId();
    const ip = this.trust ? proxyAddr(req, this.trust) : req.socket.remoteAddress ?? '';
    const request: LaneRequest = { headers: req.headers, ip, body: parseForm(raw) as Record<string, unknown> };
    const log = (err: unknown) => this.ctx.log.child({ reqId }).error({ err }, 'request failed');
    let response: LaneResponse;
    let body: string;
    try {
      refuseNul(req.url!, request.body);
      response = await handler.run(request);
      body = JSON.stringify(response.body); // inside: a body that cannot be serialised is a 500, as in Fastify
    } catch (e) {
      response = handler.fail(e, log);
      body = JSON.stringify(response.body);
    }
    for (const [name, value] of this.securityHeaders) res.setHeader(name, value);
    res.writeHead(response.status, { ...response.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    const ms = performance.now() - start;
    this.ctx.metrics.requestCompleted(req.method!, req.url!, response.status, ms);
    writeRequestLine(this.ctx.log, `,"reqId":${JSON.stringify(reqId)}`, { method: req.method!, url: req.url!, ip, headers: req.headers }, response.status, ms);
  }
}

/** Adds a fast lane to `app` (built by buildApp) for a form POST route that the app also serves through Fastify. */
export function addFastLane(app: FastifyInstance, method: 'POST', path: string, handler: LaneHandler): void {
  lanesOf.get(app)?.add(method, path, handler);
}
