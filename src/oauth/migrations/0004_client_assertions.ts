import type { Kysely } from 'kysely';

/** RFC 7523 client assertions already used (by client and jti), kept until they expire: each is accepted once. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_client_assertions')
    .addColumn('jti_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_client_assertions_expires').on('oauth_client_assertions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_client_assertions').execute();
}
