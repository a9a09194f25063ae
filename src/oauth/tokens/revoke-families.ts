import type { AppContext } from '../../server/context.js';
import type { Executor } from '../../store/index.js';

/**
 * Revokes token families: their refresh tokens stop working (the family is marked), and every access token
 * issued from them, with everything exchanged from those (RFC 8693 descendants), goes into the revocation
 * index, in the caller's transaction. Returns how many access tokens were revoked.
 */
export async function revokeFamilies(ctx: AppContext, db: Executor, familyIds: string[]): Promise<number> {
  if (familyIds.length === 0) return 0;
  await db.updateTable('oauth_families').set({ revoked_at: Date.now() }).where('id', 'in', familyIds).where('revoked_at', 'is', null).execute();
  const issued = await db.selectFrom('access_tokens').select('jti').where('grant_id', 'in', familyIds).where('expires_at', '>', Date.now()).execute();
  return (await ctx.tokens.revokeTree(db, { jtis: issued.map((t) => t.jti) })).length;
}
