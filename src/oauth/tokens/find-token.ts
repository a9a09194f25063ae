import type { AppContext } from '../../kernel/index.js';
import { decodeJwt } from '../../crypto/index.js';
import type { Principal } from '../../kernel/index.js';
import { findRefreshRow } from '../grants/grant-common.js';

/** What a presented token turned out to be (for /revoke and /introspect). */
export type FoundToken =
  | { type: 'access_token'; principal: Principal }
  | {
      type: 'refresh_token';
      familyId: string;
      clientId: string;
      userId: string | null;
      scope: string;
      resource: string;
      expiresAt: number;
      active: boolean;
    };

/**
 * Looks a token up: a JWT goes through the one verifier (so signature, expiry, audience and revocation are
 * checked exactly as everywhere else), anything else is looked up as a refresh token by its hash.
 * `hint` (RFC 7009 §2.1) only chooses the order. Returns undefined when it is neither (or invalid).
 */
export async function findToken(ctx: AppContext, token: string, hint?: string): Promise<FoundToken | undefined> {
  const asJwt = async (): Promise<FoundToken | undefined> => {
    try {
      decodeJwt(token);
    } catch {
      return undefined;
    }
    try {
      const principal = await ctx.tokens.verify(token);
      if (principal.kind === 'session') return undefined;
      return { type: 'access_token', principal };
    } catch {
      return undefined;
    }
  };
  const asRefresh = async (): Promise<FoundToken | undefined> => {
    const row = await findRefreshRow(ctx, token);
    if (!row) return undefined;
    const expiresAt = Number(row.expires_at);
    return {
      type: 'refresh_token',
      familyId: row.family_id,
      clientId: row.client_id,
      userId: row.user_id,
      scope: row.scope,
      resource: row.resource,
      expiresAt,
      active: row.revoked_at === null && row.used_at === null && expiresAt > Date.now(),
    };
  };
  const order = hint === 'refresh_token' ? [asRefresh, asJwt] : [asJwt, asRefresh];
  for (const f of order) {
    const found = await f();
    if (found) return found;
  }
  return undefined;
}
