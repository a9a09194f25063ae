import type { Kysely } from 'kysely';

/**
 * The tools each fronted MCP server last listed through the gateway: every instance on the database (and a
 * restarted one) knows them, for the grant forms' limits per tool and their checks, without listing them itself.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mcp_fronted_tools')
    .addColumn('server_id', 'text', (c) => c.primaryKey())
    .addColumn('tools', 'text', (c) => c.notNull())
    .addColumn('listed_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mcp_fronted_tools').execute();
}
