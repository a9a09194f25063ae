import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext, Principal } from '../kernel/index.js';
import { AppError, InvalidToken, OAuthError } from '../errors/index.js';
import { approvalErrors, approvalIdOf } from './approvals/index.js';
import { proxyOf } from './proxy-of.js';
import { StreamedAnswer } from './streamed-answer.js';
import { MAX_INPUT_BYTES } from './validate-input.js';

/** What a bearer of the proxy may be: an access token (OAuth, delegation, exchanged) or a personal API token; never a session. */
const BEARER_KINDS = ['access', 'api_token'] as const;

/**
 * The caller of `/proxy/…`: a bearer meant for the gateway's own API (an access token whose `aud` is the gateway,
 * or a personal API token; a token for another resource, an MCP server's included, is refused). The session
 * cookie never counts: the route is for agents, and a cookie would need CSRF checks. A refusal is 401 invalid_token
 * with the RFC 9728 `resource_metadata`.
 */
export async function proxyPrincipal(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
  const auth = request.headers.authorization;
  const m = auth === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
  if (!m)
    throw challenge(
      ctx,
      new InvalidToken(
        auth === undefined ? 'send a bearer token (Authorization: Bearer <token>)' : 'the Authorization header must be "Bearer <token>"',
      ),
    );
  try {
    return await ctx.tokens.verify(m[1]!, { kinds: BEARER_KINDS, audience: ctx.resources.gatewayUrl, ip: request.ip });
  } catch (e) {
    throw e instanceof OAuthError ? challenge(ctx, e) : e;
  }
}

/** Adds the gateway's protected-resource metadata to a bearer error's challenge (RFC 9728 §5.1). */
function challenge<E extends OAuthError>(ctx: AppContext, e: E): E {
  e.wwwAuthenticate = { ...e.wwwAuthenticate, resource_metadata: `${ctx.config.publicUrl}/.well-known/oauth-protected-resource` };
  return e;
}

/** Answers one action call: verify the bearer, call through the plugin host, `{ "result": … }`. */
function answer(ctx: AppContext, plugin: string, action: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await proxyPrincipal(ctx, request);
    const gone = new AbortController();
    // The caller went away before the answer: the handler's signal aborts (and its upstream call with it). The call's
    // deadline aborts this controller too (one AbortSignal per call).
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    try {
      const result = await proxyOf(ctx).call({
        plugin,
        action,
        principal,
        input: request.body ?? {},
        controller: gone,
        ip: request.ip,
        via: 'http',
        approvalId: approvalIdOf(request),
        stream: true,
      });
      if (result instanceof StreamedAnswer) return relay(reply, plugin, result);
      reply.header('cache-control', 'no-store');
      return { result: result ?? null };
    } catch (e) {
      // Asked each time: 202 with the approval's id and URLs at the top level (nothing ran).
      if (e instanceof AppError && e.code === approvalErrors.ERR_PROXY_APPROVAL_REQUIRED.code)
        return reply
          .code(202)
          .header('cache-control', 'no-store')
          .send({ ...e.details, error: e.code, message: e.message });
      throw e instanceof OAuthError && e.status === 403 ? challenge(ctx, e) : e;
    }
  };
}

/**
 * Streams an answer back as it arrives: the upstream's status and the headers that pass, `Oauth3-Upstream` naming
 * the plugin (the gateway's own errors never carry it), and the raw body. Cut (bound, deadline, upstream failure)
 * after the status was sent, the response ends without its last chunk, so the client sees an incomplete body.
 */
function relay(reply: FastifyReply, plugin: string, answer: StreamedAnswer) {
  reply.code(answer.status).headers(answer.headers).header('oauth3-upstream', plugin);
  // The upstream's bytes on the gateway's origin: never rendered as an active page of it, whatever their type
  reply.header('content-security-policy', "sandbox; default-src 'none'");
  if (!answer.headers['cache-control']) reply.header('cache-control', 'no-store');
  return reply.send(Readable.from(answer.chunks(), { objectMode: false }));
}

/** The body schema is documentation here: the host validates it (Ajv, draft 2020-12) as every caller's input. */
const documentedOnly = () => (value: unknown) => ({ value });

/**
 * `POST /proxy/{plugin}/{action}`: the body is the action's input (JSON, at most MAX_INPUT_BYTES); the answer is
 * `{ "result": … }` (a StreamedAnswer, the http plugins': the upstream's answer relayed as it arrives) or the JSON error (401, 403 insufficient_scope naming the scope, 400 naming the field, 404, 424
 * with the connect URL, 502/504 naming the upstream host). Each action has its own route, documented on /docs with
 * its input schema; any other name answers 404 naming what is not there.
 */
export async function proxyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const hosted of proxyOf(ctx).actions()) {
    const { plugin, action } = hosted;
    app.post(
      `/proxy/${plugin.plugin.id}/${action.name}`,
      {
        bodyLimit: MAX_INPUT_BYTES,
        validatorCompiler: documentedOnly,
        schema: {
          tags: [`proxy: ${plugin.plugin.name}`],
          summary: action.title,
          description: `${action.description}\n\nScope: \`${action.scope}\`.`,
          security: [{ bearer: [] }],
          body: action.input,
        },
      },
      answer(ctx, plugin.plugin.id, action.name),
    );
  }
  app.post<{ Params: { plugin: string; action: string } }>(
    '/proxy/:plugin/:action',
    { bodyLimit: MAX_INPUT_BYTES, schema: { hide: true } },
    (request, reply) => answer(ctx, request.params.plugin, request.params.action)(request, reply),
  );
}
