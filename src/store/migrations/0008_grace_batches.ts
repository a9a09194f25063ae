import type { Kysely } from 'kysely';

/**
 * The grace window's sealed copies of rotated pairs move from one row per rotation (`oauth_refresh_grace`) to one
 * row per group-commit batch (`oauth_refresh_grace_batches`, see oauth/tokens/grace-copies.ts): one cipher
 * operation and one row for every rotation of a batch. Copies are useful for seconds only, so none is carried over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_refresh_grace').execute();
  await db.schema
    .createTable('oauth_refresh_grace_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('first_used_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_refresh_grace_batches_last').on('oauth_refresh_grace_batches').column('last_used_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_refresh_grace_batches').execute();
  await db.schema
    .createTable('oauth_refresh_grace')
    .addColumn('token_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
