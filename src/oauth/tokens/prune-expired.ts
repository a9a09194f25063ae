import type { AppContext } from '../../kernel/index.js';

/**
 * Deletes what can never be used again: codes expired for a day (kept that long so a late replay is still
 * recognised as one), expired refresh tokens, and families of a revoked or finished authorization whose refresh
 * tokens are all gone, and used client assertions past their expiry. Returns the rows deleted.
 */
export async function pruneExpired(ctx: AppContext, now = Date.now()): Promise<number> {
  const day = 86_400_000;
  const codes = await ctx.db
    .deleteFrom('oauth_codes')
    .where('expires_at', '<', now - day)
    .executeTakeFirst();
  const refresh = await ctx.db.deleteFrom('oauth_refresh_tokens').where('expires_at', '<', now).executeTakeFirst();
  const assertions = await ctx.db.deleteFrom('oauth_client_assertions').where('expires_at', '<', now).executeTakeFirst();
  const families = await ctx.db
    .deleteFrom('oauth_families')
    .where('created_at', '<', now - day)
    // One pass over the refresh tokens (an uncorrelated subquery): they have no index by family, which every
    // rotation would pay for.
    .where('id', 'not in', (eb) => eb.selectFrom('oauth_refresh_tokens').select('family_id'))
    .executeTakeFirst();
  return (
    Number(codes.numDeletedRows) + Number(refresh.numDeletedRows) + Number(families.numDeletedRows) + Number(assertions.numDeletedRows)
  );
}
