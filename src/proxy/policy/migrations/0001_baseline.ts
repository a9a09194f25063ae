import type { Kysely } from 'kysely';

/** The proxy's policies per grant, and the shared rate counters (one row per grant, action and window). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proxy_policies')
    .addColumn('grant_id', 'text', (c) => c.primaryKey())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('proxy_rate_counts')
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('proxy_rate_counts_pk', ['grant_id', 'action', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('proxy_rate_counts').execute();
  await db.schema.dropTable('proxy_policies').execute();
}
