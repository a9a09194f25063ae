import type { AppContext } from '../../server/context.js';
import type { Executor } from '../../store/index.js';

/**
 * Revokes token families: their refresh tokens stop working (the family is marked) and every unexpired access
 * token issued from them goes into the revocation index, in the caller's transaction. Returns how many access
 * tokens were revoked.
 */
export async function revokeFamilies(ctx: AppContext, db: Executor, familyIds: string[]): Promise<number> {
  if (familyIds.length === 0) return 0;
  const now = Date.now();
  await db.updateTable('oauth_families').set({ revoked_at: now }).where('id', 'in', familyIds).where('revoked_at', 'is', null).execute();
  const live = await db.selectFrom('access_tokens').select(['jti', 'expires_at'])
    .where('grant_id', 'in', familyIds).where('expires_at', '>', now).execute();
  await ctx.tokens.revocations.revoke(db, live.map((t) => ({ id: t.jti, expiresAt: Number(t.expires_at) })));
  return live.length;
}
