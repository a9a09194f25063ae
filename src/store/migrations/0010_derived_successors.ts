import type { Kysely } from 'kysely';

/**
 * The grace window keeps no copies: the pair a rotation issues is derived from the rotated token and the time of
 * its rotation (oauth/tokens/successor.ts), so a concurrent refresh derives it again and finds its rows. The
 * table of sealed copies goes; copies are useful for seconds only, so none is carried over (nor back).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_refresh_grace_batches').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_refresh_grace_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('first_used_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_refresh_grace_batches_last').on('oauth_refresh_grace_batches').column('last_used_at').execute();
}
