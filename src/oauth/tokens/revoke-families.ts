import type { AppContext } from '../../server/context.js';
import type { Executor } from '../../store/index.js';

/**
 * Revokes token families: their refresh tokens stop working (the family is marked), and every access token
 * issued from them, with everything exchanged from those (RFC 8693 descendants), goes into the revocation
 * index, in the caller's transaction, with the family ids themselves. Returns how many access tokens were revoked.
 */
export async function revokeFamilies(ctx: AppContext, db: Executor, familyIds: string[]): Promise<number> {
  if (familyIds.length === 0) return 0;
  await db.updateTable('oauth_families').set({ revoked_at: Date.now() }).where('id', 'in', familyIds).where('revoked_at', 'is', null).execute();
  // The family ids themselves go into the revocation index too (every access token of a family carries its id in
  // its lineage): a token issued into the family by a refresh that raced this revocation is refused as well.
  const until = Date.now() + ctx.config.oauthAccessTokenTtl * 1000 + 60_000; // outlives any token issued from now on
  await ctx.tokens.revocations.revoke(db, familyIds.map((id) => ({ id, expiresAt: until })));
  const issued = await db.selectFrom('access_tokens').select('jti').where('grant_id', 'in', familyIds).where('expires_at', '>', Date.now()).execute();
  return (await ctx.tokens.revokeTree(db, { jtis: issued.map((t) => t.jti) })).length;
}
