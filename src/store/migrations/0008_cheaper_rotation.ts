import type { Kysely } from 'kysely';

/**
 * A cheaper refresh-token rotation.
 *
 * The grace window's sealed copies of rotated pairs move from one row per rotation (`oauth_refresh_grace`) to one
 * row per group-commit batch (`oauth_refresh_grace_batches`, see oauth/tokens/grace-copies.ts): one cipher
 * operation and one row for every rotation of a batch. Copies are useful for seconds only, so none is carried over.
 *
 * Two indexes that every rotation paid for and no lookup needs are dropped. `oauth_refresh_tokens_family`: its
 * keys are spread out, so each insert dirtied a page of its own (about a sixth of a rotation's database time);
 * only pruning asked for a family's tokens, and it now reads them in one pass. `audit_events_action`: the access
 * log is read per person (`audit_events_user`), never by action alone.
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
  await db.schema.dropIndex('oauth_refresh_tokens_family').execute();
  await db.schema.dropIndex('audit_events_action').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'id']).execute();
  await db.schema.createIndex('oauth_refresh_tokens_family').on('oauth_refresh_tokens').column('family_id').execute();
  await db.schema.dropTable('oauth_refresh_grace_batches').execute();
  await db.schema
    .createTable('oauth_refresh_grace')
    .addColumn('token_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
