import type { FastifyRequest } from 'fastify';
import type { AppContext, Principal } from '../../kernel/index.js';
import { InvalidToken, OAuthError } from '../../errors/index.js';
import { MCP_PATH, mcpMetadataUrl, mcpResourceUrl } from './mcp-resource.js';

/**
 * The caller of an MCP server the gateway serves (`/mcp`, or a fronted one at `/mcp/{id}`: `path`): an access token
 * whose `aud` is that server (RFC 8707, RFC 9068 §4; MCP authorization: a server accepts only tokens issued for it).
 * Sessions (a cookie never counts here) and tokens for any other resource, the gateway's own API included, are
 * refused. A refusal is 401 invalid_token with `WWW-Authenticate: Bearer resource_metadata=…` (RFC 9728 §5.1), where
 * an MCP client starts its discovery.
 */
export async function mcpPrincipal(ctx: AppContext, request: FastifyRequest, path: string = MCP_PATH): Promise<Principal> {
  const auth = request.headers.authorization;
  const m = auth === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
  if (!m)
    throw mcpChallenge(
      ctx,
      new InvalidToken(
        auth === undefined ? 'send an access token for this MCP server' : 'the Authorization header must be "Bearer <token>"',
      ),
      undefined,
      path,
    );
  try {
    return await ctx.tokens.verify(m[1]!, { kinds: ['access'], audience: mcpResourceUrl(ctx.config.publicUrl, path), ip: request.ip });
  } catch (e) {
    throw e instanceof OAuthError ? mcpChallenge(ctx, e, undefined, path) : e;
  }
}

/** Adds the MCP server's `resource_metadata` to a bearer error's challenge (and the scope it names, if any). */
export function mcpChallenge<E extends OAuthError>(ctx: AppContext, e: E, scope?: string, path: string = MCP_PATH): E {
  e.wwwAuthenticate = { ...e.wwwAuthenticate, resource_metadata: mcpMetadataUrl(ctx.config.publicUrl, path), ...(scope ? { scope } : {}) };
  return e;
}
