import { sql, type Kysely } from 'kysely';

/**
 * Cheaper token writes (each index whose keys are spread out costs a page write per row and commit).
 *
 * `access_tokens_user` is dropped: nothing looks access tokens up by person.
 *
 * Refresh tokens name their row (`<id>.<secret>`, see oauth/tokens/refresh-token-key.ts), so the random
 * `token_hash` no longer needs an index of its own: every insert into it touched a random page. The table is
 * rebuilt without that UNIQUE constraint (SQLite cannot drop one in place); rows issued before keep working
 * under the id `legacy:<token_hash>`, which the lookup derives from such a token.
 *
 * The sealed pair a rotation issued moves out of the rotated row into `oauth_refresh_grace`, kept only for the
 * grace window: in the row it grew every rotated token ~7x and stayed at rest until the token expired (a day).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_tokens_user').execute();
  await db.schema
    .createTable('oauth_refresh_tokens_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  // Grace pairs are not carried over: sealed with the old row id, and useful for seconds only.
  await sql`insert into oauth_refresh_tokens_next (id, token_hash, family_id, created_at, expires_at, used_at)
    select 'legacy:' || token_hash, token_hash, family_id, created_at, expires_at, used_at from oauth_refresh_tokens`.execute(db);
  await db.schema.dropTable('oauth_refresh_tokens').execute();
  await db.schema.alterTable('oauth_refresh_tokens_next').renameTo('oauth_refresh_tokens').execute();
  await db.schema.createIndex('oauth_refresh_tokens_family').on('oauth_refresh_tokens').column('family_id').execute();
  await db.schema
    .createTable('oauth_refresh_grace')
    .addColumn('token_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_refresh_grace').execute();
  await db.schema.createIndex('access_tokens_user').on('access_tokens').columns(['user_id', 'created_at']).execute();
  await db.schema.dropIndex('oauth_refresh_tokens_family').execute();
  await db.schema.alterTable('oauth_refresh_tokens').renameTo('oauth_refresh_tokens_next').execute();
  await db.schema
    .createTable('oauth_refresh_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('grace_response', 'text')
    .execute();
  await sql`insert into oauth_refresh_tokens (id, token_hash, family_id, created_at, expires_at, used_at)
    select id, token_hash, family_id, created_at, expires_at, used_at from oauth_refresh_tokens_next`.execute(db);
  await db.schema.dropTable('oauth_refresh_tokens_next').execute();
  await db.schema.createIndex('oauth_refresh_tokens_family').on('oauth_refresh_tokens').column('family_id').execute();
}
