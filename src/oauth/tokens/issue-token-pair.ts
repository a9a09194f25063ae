import type { AppContext } from '../../server/context.js';
import { preparedQuery, runSteps, type Executor, type WriteStep } from '../../store/index.js';
import type { SignedAccessToken } from '../../tokens/index.js';
import type { OAuthFamiliesTable } from '../tables.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';
import { newRefreshToken } from './refresh-token-key.js';
import type { Successor } from './successor.js';

const insertRefresh = preparedQuery((db, slot) => db.insertInto('oauth_refresh_tokens').values({
  id: slot(0), token_hash: slot(1), family_id: slot(2), created_at: slot(3), expires_at: slot(4), used_at: slot(5),
}));

/** A signed access token and, optionally, a new refresh token: made before the transaction, written in it. */
export interface SignedPair {
  response: TokenResponse;
  access: SignedAccessToken;
  /** The new refresh token's row (its values in insertRefresh's slot order), when one was issued. */
  refreshRow?: readonly unknown[];
}

/**
 * Signs an access token (RFC 9068, the family in its lineage, so revoking the family revokes it) and, when
 * `refresh` is set, makes a new refresh token of the family (random, or `successor`'s for a rotation). Nothing
 * is written: the caller writes the pair with `recordTokenPair` in its transaction, and answers with `response`
 * only once that committed. Signing stays out of the transaction.
 */
export function signTokenPair(
  ctx: AppContext,
  family: Pick<OAuthFamiliesTable, 'id' | 'client_id' | 'user_id'>,
  o: { scopes: string[]; audience: string[]; refresh: boolean; successor?: Successor; issuedAt?: number },
): SignedPair {
  const ttl = ctx.config.oauthAccessTokenTtl;
  const now = o.issuedAt ?? Date.now();
  const access = ctx.tokens.signAccessToken({
    userId: family.user_id, clientId: family.client_id, scopes: o.scopes, audience: o.audience, ttl, familyId: family.id, jti: o.successor?.jti, issuedAt: now,
  });
  // The JWT is read when the response is written: signed with the others of this turn of the event loop.
  const response: TokenResponse = { get access_token() { return access.token; }, token_type: 'Bearer', expires_in: ttl, scope: o.scopes.join(' ') };
  if (!o.refresh) return { response, access };
  const refresh = o.successor?.refresh ?? newRefreshToken();
  response.refresh_token = refresh.token;
  return { response, access, refreshRow: [refresh.id, refresh.hash, family.id, now, now + ctx.config.oauthRefreshTokenTtl * 1000, null] };
}

/** The write steps that record a signed pair: the access token's jti row, the refresh token's row. */
export function tokenPairSteps(ctx: AppContext, pair: SignedPair): WriteStep[] {
  const steps = [ctx.tokens.accessTokenStep(pair.access)];
  if (pair.refreshRow) steps.push(insertRefresh.step(ctx.db, pair.refreshRow));
  return steps;
}

/** Writes a signed pair with `db`: pass the transaction of the grant. */
export async function recordTokenPair(ctx: AppContext, db: Executor, pair: SignedPair): Promise<void> {
  await runSteps(db, tokenPairSteps(ctx, pair));
}
