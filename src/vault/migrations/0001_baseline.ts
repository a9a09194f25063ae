import { sql, type Kysely } from 'kysely';

/** The vault: data keys, connections (sealed credentials), allowances, API keys and connect sessions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_data_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
  // One primary at most: instances starting at once on a new database make one first key between them.
  await db.schema
    .createIndex('vault_data_keys_one_primary')
    .on('vault_data_keys')
    .column('status')
    .unique()
    .where(sql.ref('status'), '=', 'primary')
    .execute();

  await db.schema
    .createTable('vault_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('account', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('retry_after', 'bigint')
    .addColumn('lease_until', 'bigint')
    .addColumn('refreshed_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('vault_connections_user_provider', ['user_id', 'provider'])
    .execute();
  await db.schema.createIndex('vault_connections_key').on('vault_connections').columns(['key_id', 'id']).execute();

  await db.schema
    .createTable('vault_allowances')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('server', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vault_allowances_pk', ['user_id', 'provider', 'server'])
    .execute();

  await db.schema
    .createTable('vault_api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('providers', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('vault_connect_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('browser_session_id', 'text')
    .addColumn('state_hash', 'text', (c) => c.unique())
    .addColumn('secret_sealed', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('account', 'text')
    .addColumn('return_to', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('vault_connect_sessions_expires').on('vault_connect_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['vault_connect_sessions', 'vault_api_keys', 'vault_allowances', 'vault_connections', 'vault_data_keys']) {
    await db.schema.dropTable(t).execute();
  }
}
