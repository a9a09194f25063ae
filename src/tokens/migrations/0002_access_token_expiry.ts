import type { Kysely } from 'kysely';

/**
 * Access tokens by expiry, for the prune (src/tokens/prune-access-tokens.ts): without it every prune would scan the
 * whole table. Expiry is issuance time plus one of a few lifetimes, so new keys land at the right edge of the index,
 * not spread over it: an insert adds one page write at most (the baseline migration says why spread keys cost more).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('access_tokens_expires').on('access_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_tokens_expires').execute();
}
