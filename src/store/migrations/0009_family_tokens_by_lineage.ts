import { sql, type Kysely } from 'kysely';

/**
 * OAuth access tokens name their refresh-token family in a column of its own, `family_id`, which no index keys.
 *
 * Until now `grant_id` held the family, and `access_tokens_grant` indexed it: family ids are spread out, so every
 * refresh dirtied an index page of its own (about a fifth of a rotation's database time). Nothing needs to find
 * a family's access tokens: each carries its family id in its lineage claim, and revoking a family puts that id
 * into the revocation index, which voids them all (and everything exchanged from them) at once. `grant_id` now
 * names only grants whose tokens are listed and revoked one by one (delegations), and both `access_tokens_grant`
 * and `access_tokens_parent` become partial (`IS NOT NULL`): the many tokens without a grant or a parent cost
 * them nothing. An equality or IN on the column implies `IS NOT NULL`, so SQLite and PostgreSQL keep using them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_tokens').addColumn('family_id', 'text').execute();
  await sql`update access_tokens set family_id = grant_id, grant_id = null where grant_id in (select id from oauth_families)`.execute(db);
  await db.schema.dropIndex('access_tokens_grant').execute();
  await db.schema.createIndex('access_tokens_grant').on('access_tokens').column('grant_id').where(sql.ref('grant_id'), 'is not', null).execute();
  await db.schema.dropIndex('access_tokens_parent').execute();
  await db.schema.createIndex('access_tokens_parent').on('access_tokens').column('parent_jti').where(sql.ref('parent_jti'), 'is not', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_tokens_parent').execute();
  await db.schema.createIndex('access_tokens_parent').on('access_tokens').column('parent_jti').execute();
  await db.schema.dropIndex('access_tokens_grant').execute();
  await db.schema.createIndex('access_tokens_grant').on('access_tokens').column('grant_id').execute();
  await sql`update access_tokens set grant_id = family_id where family_id is not null`.execute(db);
  await db.schema.alterTable('access_tokens').dropColumn('family_id').execute();
}
