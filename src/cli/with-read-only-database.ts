import { sql } from 'kysely';
import { isMissingSchema, openReadOnly, type Db } from '../store/index.js';
import { loadGateway } from '../server/index.js';

/**
 * Runs a read-only command's `fn` on the configured database without creating anything: no database file, no
 * master key, no migration. A missing SQLite file, an unreachable PostgreSQL or a database that was never migrated
 * is an error that says so (the command exits non-zero).
 */
export async function withReadOnlyDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const { config } = await loadGateway();
  const { db, location } = openReadOnly(config);
  try {
    await sql`select 1`.execute(db).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${location}: cannot connect to the database (${e.code ?? e.message})`);
    });
    return await fn(db);
  } catch (e) {
    if (isMissingSchema(e)) throw new Error(`${location} has no oauth3 tables: start the gateway or run \`oauth3 migrate\` first`);
    throw e;
  } finally {
    await db.destroy();
  }
}
