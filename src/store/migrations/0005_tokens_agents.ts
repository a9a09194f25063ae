import type { Kysely } from 'kysely';

/** Personal API tokens, delegations to agents (agents themselves are oauth_clients with source 'agent'), token last-use columns. */
export async function up(db: Kysely<unknown>): Promise<void> {
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

  await db.schema.alterTable('access_tokens').addColumn('last_used_at', 'bigint').execute();
  await db.schema.alterTable('access_tokens').addColumn('last_used_ip', 'text').execute();

  await db.schema
    .createTable('delegations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('delegations_user').on('delegations').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('delegations_agent').on('delegations').column('agent_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('delegations').execute();
  await db.schema.alterTable('access_tokens').dropColumn('last_used_ip').execute();
  await db.schema.alterTable('access_tokens').dropColumn('last_used_at').execute();
  await db.schema.dropTable('api_tokens').execute();
}
