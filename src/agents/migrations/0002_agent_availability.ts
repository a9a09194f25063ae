import type { Kysely } from 'kysely';

/** Agents their owner made available for delegation by others (a row while it is). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent_availability')
    .addColumn('agent_id', 'text', (c) => c.primaryKey().references('oauth_clients.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_availability').execute();
}
