import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext, Principal } from '../kernel/index.js';
import { InvalidToken, OAuthError } from '../errors/index.js';
import { proxyOf } from './proxy-of.js';
import { MAX_INPUT_BYTES } from './validate-input.js';

/** What a bearer of the proxy may be: an access token (OAuth, delegation, exchanged) or a personal API token; never a session. */
const BEARER_KINDS = ['access', 'api_token'] as const;

/**
 * The caller of `/proxy/…`: a bearer meant for the gateway's own API (an access token whose `aud` is the gateway,
 * or a personal API token; a token for another resource, an MCP server's included, is refused). The session
 * cookie never counts: the route is for agents, and a cookie would need CSRF checks. A refusal is 401 invalid_token
 * with the RFC 9728 `resource_metadata`.
 */
async function proxyPrincipal(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
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

/**
 * `POST /proxy/{plugin}/{action}`: the body is the action's input (JSON, at most MAX_INPUT_BYTES); the answer is
 * `{ "result": … }` or the JSON error (401, 403 insufficient_scope naming the scope, 400 naming the field, 404, 424
 * with the connect URL, 502/504 naming the upstream host).
 */
export async function proxyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Params: { plugin: string; action: string } }>(
    '/proxy/:plugin/:action',
    { bodyLimit: MAX_INPUT_BYTES },
    async (request, reply) => {
      const principal = await proxyPrincipal(ctx, request);
      const closed = new AbortController();
      request.raw.once('close', () => {
        if (!reply.sent) closed.abort();
      });
      try {
        const result = await proxyOf(ctx).call({
          plugin: request.params.plugin,
          action: request.params.action,
          principal,
          input: request.body ?? {},
          signal: closed.signal,
          ip: request.ip,
          via: 'http',
        });
        reply.header('cache-control', 'no-store');
        return { result: result ?? null };
      } catch (e) {
        throw e instanceof OAuthError && e.status === 403 ? challenge(ctx, e) : e;
      }
    },
  );
}
