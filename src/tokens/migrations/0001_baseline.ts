import { sql, type Kysely } from 'kysely';

/**
 * Signing keys, revocations, access tokens and personal API tokens.
 *
 * Every index on a table written per token costs a page write per row and commit when its keys are spread out,
 * so `access_tokens` keeps only the indexes a lookup needs:
 * - none by person: nothing looks access tokens up by user;
 * - `family_id` (the refresh-token family of an OAuth token) is unindexed: nothing needs to find a family's access
 *   tokens. Each carries its family id in its lineage claim, and revoking a family puts that id into the
 *   revocation index, which voids them all (and everything exchanged from them) at once;
 * - `grant_id` names only grants whose tokens are listed and revoked one by one (delegations), and
 *   `access_tokens_grant` and `access_tokens_parent` are partial (`IS NOT NULL`): the many tokens without a grant
 *   or a parent cost them nothing. An equality or IN on the column implies `IS NOT NULL`, so SQLite and
 *   PostgreSQL use them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // active | verify | retired
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();

  await db.schema
    .createTable('revoked_tokens')
    .addColumn('token_id', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_tokens_revoked_at').on('revoked_tokens').column('revoked_at').execute();

  await db.schema
    .createTable('access_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('parent_jti', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_ip', 'text')
    .addColumn('family_id', 'text')
    .execute();
  await db.schema
    .createIndex('access_tokens_grant')
    .on('access_tokens')
    .column('grant_id')
    .where(sql.ref('grant_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('access_tokens_parent')
    .on('access_tokens')
    .column('parent_jti')
    .where(sql.ref('parent_jti'), 'is not', null)
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_ip', 'text')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['api_tokens', 'access_tokens', 'revoked_tokens', 'signing_keys']) {
    await db.schema.dropTable(t).execute();
  }
}
