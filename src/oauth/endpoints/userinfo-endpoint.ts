import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { getUser } from '../../accounts/index.js';
import { InvalidToken, OAuthError } from '../../errors/index.js';

/** The claims of the person an `openid` access token names: `sub`, and the profile when `profile` was granted. */
async function claimsOf(ctx: AppContext, userId: string, scopes: string[]): Promise<Record<string, unknown>> {
  if (!scopes.includes('profile')) return { sub: userId };
  const user = await getUser(ctx.db, userId);
  if (!user) throw new InvalidToken('the account of this token no longer exists');
  return {
    sub: userId,
    ...(user.username ? { preferred_username: user.username } : {}),
    // The gateway does not verify addresses or numbers: OpenID Connect Core §5.1 says so with the *_verified claims.
    ...(user.email ? { email: user.email, email_verified: false } : {}),
    ...(user.phone ? { phone_number: user.phone, phone_number_verified: false } : {}),
    updated_at: Math.floor(user.updatedAt / 1000),
  };
}

/**
 * GET and POST /userinfo (OpenID Connect Core §5.3): an access token for the gateway's API with the `openid`
 * scope, in the Authorization header (RFC 6750 §2.1); answers the person's claims as JSON. A token without
 * `openid` is 403 insufficient_scope; none or a bad one is 401 invalid_token (both with WWW-Authenticate).
 */
export async function userinfoEndpoint(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const handler = async (request: FastifyRequest) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!m) throw new InvalidToken('send the access token as "Authorization: Bearer <token>"');
    let principal;
    try {
      principal = await ctx.tokens.verify(m[1], { kinds: ['access'], audience: ctx.resources.gatewayUrl, scope: 'openid', ip: request.ip });
    } catch (e) {
      if (e instanceof OAuthError && e.error === 'insufficient_scope') e.wwwAuthenticate = { ...e.wwwAuthenticate, scope: 'openid' };
      throw e;
    }
    if (!principal.userId) throw new InvalidToken('this token acts for no person (client credentials)');
    return claimsOf(ctx, principal.userId, principal.scopes);
  };
  const options = { config: { oauth: true, cors: 'public' as const }, schema: { hide: true } };
  app.get('/userinfo', options, async (request, reply) => reply.header('cache-control', 'no-store').send(await handler(request)));
  app.post('/userinfo', options, async (request, reply) => reply.header('cache-control', 'no-store').send(await handler(request)));
}
