import type { AppContext } from '../../kernel/index.js';
import type { Executor } from '../../store/index.js';

/**
 * Revokes token families, in the caller's transaction: their refresh tokens stop working (the family is marked),
 * and the family ids go into the revocation index. Every access token issued into a family carries its id in
 * its lineage, and so does everything exchanged from one (RFC 8693 descendants), so that one entry voids them
 * all at once, including a token a refresh was issuing while this ran; none has to be looked up.
 */
export async function revokeFamilies(ctx: AppContext, db: Executor, familyIds: string[]): Promise<void> {
  if (familyIds.length === 0) return;
  await db
    .updateTable('oauth_families')
    .set({ revoked_at: Date.now() })
    .where('id', 'in', familyIds)
    .where('revoked_at', 'is', null)
    .execute();
  const until = Date.now() + ctx.config.oauthAccessTokenTtl * 1000 + 60_000; // outlives any token issued from now on
  await ctx.tokens.revoke(
    db,
    familyIds.map((id) => ({ id, expiresAt: until })),
  );
}
