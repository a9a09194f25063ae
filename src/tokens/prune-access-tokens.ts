import type { AppContext } from '../kernel/index.js';

/**
 * How long an access token's row is kept after it expired. Nothing can use an expired token (its signature still
 * verifies, its `exp` does not), but the rows say when a client last got a token (`oauth3 clients list`) and show a
 * delegation's expired tokens on the Agents page for a while. A token exchanged from another never outlives it
 * (token exchange caps the lifetime), so a tree is pruned leaves with or before its root.
 */
export const ACCESS_TOKEN_RETENTION_MS = 7 * 86_400_000;

/** Rows one statement deletes at most: a long delete would hold the SQLite write lock (and the event loop) too long. */
const CHUNK = 5_000;

/**
 * Deletes access-token rows expired for longer than ACCESS_TOKEN_RETENTION_MS, in chunks (each its own short
 * statement, through the `access_tokens_expires` index). Without it the table grows with every token issued.
 * Returns the rows deleted.
 */
export async function pruneAccessTokens(ctx: AppContext, now = Date.now()): Promise<number> {
  const before = now - ACCESS_TOKEN_RETENTION_MS;
  let deleted = 0;
  for (;;) {
    const res = await ctx.db
      .deleteFrom('access_tokens')
      .where('jti', 'in', (eb) => eb.selectFrom('access_tokens').select('jti').where('expires_at', '<', before).limit(CHUNK))
      .executeTakeFirst();
    const n = Number(res.numDeletedRows);
    deleted += n;
    if (n < CHUNK) return deleted;
  }
}
