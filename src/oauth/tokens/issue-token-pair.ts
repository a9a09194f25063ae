import type { AppContext, AuditEvent } from '../../kernel/index.js';
import { preparedInsert, type WriteStep } from '../../store/index.js';
import type { OAuthFamiliesTable } from '../tables.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';
import { newRefreshToken } from './refresh-token-key.js';
import type { Successor } from './successor.js';
import { scopeField } from './scope-field.js';

const insertRefresh = preparedInsert('oauth_refresh_tokens', ['id', 'token_hash', 'family_id', 'created_at', 'expires_at', 'used_at']);

/** A token pair to issue into a family, with the change it belongs to. */
export interface TokenPairIssuance {
  scopes: string[];
  audience: string[];
  /** Whether a refresh token is issued too (random, or `successor`'s for a rotation). */
  refresh: boolean;
  successor?: Successor;
  issuedAt?: number;
  /** The writes of the change (a guard first: a rotation's or a code's single use). */
  steps: readonly WriteStep[];
  /** The events that record it, given the access token's jti. */
  audit(jti: string): AuditEvent[];
}

/**
 * Issues an access token (RFC 9068, the family in its lineage, so revoking the family revokes it) and, when asked,
 * a refresh token of the family, through the one issuance path: `steps`, the refresh row, the access row and the
 * audit events commit as one unit. Undefined when the unit's guard stopped it (nothing written).
 */
export async function issueTokenPair(
  ctx: AppContext,
  family: Pick<OAuthFamiliesTable, 'id' | 'client_id' | 'user_id'>,
  o: TokenPairIssuance,
): Promise<TokenResponse | undefined> {
  const ttl = ctx.config.oauthAccessTokenTtl;
  const now = o.issuedAt ?? Date.now();
  const refresh = o.refresh ? (o.successor?.refresh ?? newRefreshToken()) : undefined;
  const steps = [...o.steps];
  if (refresh) {
    steps.push(
      insertRefresh.step(ctx.db, {
        id: refresh.id,
        token_hash: refresh.hash,
        family_id: family.id,
        created_at: now,
        expires_at: now + ctx.config.oauthRefreshTokenTtl * 1000,
        used_at: null,
      }),
    );
  }
  const issued = await ctx.tokens.issue({
    accessTokens: [
      {
        userId: family.user_id,
        clientId: family.client_id,
        scopes: o.scopes,
        audience: o.audience,
        ttl,
        familyId: family.id,
        jti: o.successor?.jti,
        issuedAt: now,
      },
    ],
    steps,
    audit: ([jti]) => o.audit(jti),
  });
  if (!issued) return undefined;
  const response: TokenResponse = { access_token: issued[0].token, token_type: 'Bearer', expires_in: ttl, ...scopeField(o.scopes) };
  if (refresh) response.refresh_token = refresh.token;
  return response;
}
