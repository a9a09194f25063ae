import type { AppContext } from '../../server/context.js';
import type { Executor } from '../../store/index.js';
import { randomId, randomToken, sha256 } from '../../crypto/index.js';
import type { OAuthFamiliesTable } from '../tables.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';
import { preparedQuery } from './prepared-query.js';

const insertRefresh = preparedQuery((db, slot) => db.insertInto('oauth_refresh_tokens').values({
  id: slot(0), token_hash: slot(1), family_id: slot(2), created_at: slot(3), expires_at: slot(4), used_at: slot(5), grace_response: slot(6),
}));

/**
 * Issues an access token (RFC 9068, `grant_id` = the family, so revoking the family revokes it) and, when
 * `refresh` is set, a new opaque refresh token of the family (stored as SHA-256). Runs in the caller's transaction.
 */
export async function issueTokenPair(
  ctx: AppContext,
  db: Executor,
  family: Pick<OAuthFamiliesTable, 'id' | 'client_id' | 'user_id'>,
  o: { scopes: string[]; audience: string[]; refresh: boolean },
): Promise<TokenResponse & { jti: string }> {
  const ttl = ctx.config.oauthAccessTokenTtl;
  const { token, jti } = await ctx.tokens.issueAccessToken(db, {
    userId: family.user_id, clientId: family.client_id, scopes: o.scopes, audience: o.audience, ttl, grantId: family.id,
  });
  const out: TokenResponse & { jti: string } = { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: o.scopes.join(' '), jti };
  if (o.refresh) {
    const refresh = randomToken();
    const now = Date.now();
    await insertRefresh(db, [randomId('rt'), sha256(refresh), family.id, now, now + ctx.config.oauthRefreshTokenTtl * 1000, null, null]);
    out.refresh_token = refresh;
  }
  return out;
}
