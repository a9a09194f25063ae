import type { FastifyInstance } from 'fastify';
import type { AppContext, Principal } from '../../kernel/index.js';
import type { AuthorizationServer } from '../authorization-server.js';
import { InvalidClient, InvalidRequest } from '../../errors/index.js';
import { findToken } from '../tokens/find-token.js';
import { formParams } from './form-params.js';
import { oauthFormRoute } from './oauth-form-route.js';

/**
 * Whether `caller` may learn about an access token (RFC 7662 §4: the server must decide who may introspect a
 * token, or any client learns any token's subject and scopes): its own client, or the resource server named as
 * the introspector of one of its audiences.
 */
async function entitled(ctx: AppContext, caller: string, p: Principal): Promise<boolean> {
  if (p.clientId !== null && p.clientId === caller) return true;
  for (const aud of p.audience) if ((await ctx.resources.find(aud))?.introspector === caller) return true;
  return false;
}

/**
 * POST /introspect (RFC 7662). Only authenticated confidential clients (resource servers registered with a
 * secret) may ask, and only those entitled (see `entitled`) learn that an access token is active; anything else
 * is `{ "active": false }` with no detail, and so is a refresh token of another client. A fast lane too, like
 * /token: a resource server may ask on every request it serves.
 */
export async function introspectionEndpoint(app: FastifyInstance, as: AuthorizationServer): Promise<void> {
  const { ctx } = as;
  oauthFormRoute(app, '/introspect', { 'cache-control': 'no-store' }, async (request) => {
    const { params } = formParams(request.body, request.headers['content-type']);
    const caller = await as.authenticateClient({ authorization: request.headers.authorization, body: params }, request.ip);
    if (!caller.confidential) throw new InvalidClient('introspection needs a confidential client');
    if (!params.token) throw new InvalidRequest('token is missing');
    const found = await findToken(ctx, params.token, params.token_type_hint);
    if (!found) return { active: false };
    if (found.type === 'access_token') {
      const p = found.principal;
      if (!(await entitled(ctx, caller.clientId, p))) return { active: false };
      return {
        active: true,
        token_type: 'Bearer',
        client_id: p.clientId ?? undefined,
        sub: p.userId ?? p.clientId ?? undefined,
        scope: p.scopes.join(' '),
        aud: p.audience.length === 1 ? p.audience[0] : p.audience,
        iss: ctx.config.publicUrl,
        exp: p.expiresAt ?? undefined,
        jti: p.tokenId,
        ...(p.chain.length ? { act_chain: p.chain } : {}),
      };
    }
    // A refresh token is described to the client it was issued to only (RFC 7662 §4: a resource server never
    // holds one, so nothing else needs to learn whose it is or what it may get).
    if (!found.active || found.clientId !== caller.clientId) return { active: false };
    return {
      active: true,
      token_type: 'refresh_token',
      client_id: found.clientId,
      sub: found.userId ?? found.clientId,
      scope: found.scope,
      aud: found.resource.includes(' ') ? found.resource.split(' ') : found.resource,
      iss: ctx.config.publicUrl,
      exp: Math.floor(found.expiresAt / 1000),
    };
  });
}
