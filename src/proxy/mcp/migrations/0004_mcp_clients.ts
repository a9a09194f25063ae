import type { Kysely } from 'kysely';

/**
 * What each caller of the stateless `/mcp` declared in its last `initialize` (MCP 2025-11-25 carries a client's
 * capabilities there only): whether it takes URL-mode elicitations. One row per caller.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mcp_clients')
    .addColumn('caller', 'text', (c) => c.primaryKey())
    .addColumn('url_elicitation', 'integer', (c) => c.notNull())
    .addColumn('initialized_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mcp_clients_initialized').on('mcp_clients').column('initialized_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mcp_clients').execute();
}
