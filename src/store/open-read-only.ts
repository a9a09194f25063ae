import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { DatabaseOpenError, type Database, type Db } from './database.js';
import { openDatabase } from './open-database.js';
import { BUSY_TIMEOUT_MS } from './sqlite-handle.js';

/**
 * Opens an existing database to read, creating nothing (for the CLI's list commands): SQLite's file must exist
 * and is opened read-only; PostgreSQL is connected to without migrating. Queries of a database the gateway never
 * migrated fail with "no such table" (SQLite) or code 42P01 (PostgreSQL): see `isMissingSchema`.
 * Throws DatabaseOpenError when the SQLite file is missing.
 */
export function openReadOnly(o: { databaseUrl?: string; dataDir: string }): { db: Db; location: string } {
  if (o.databaseUrl) {
    const { db, location } = openDatabase(o);
    return { db, location };
  }
  const file = resolve(join(o.dataDir, 'oauth3.db'));
  if (!existsSync(file)) throw new DatabaseOpenError(`no database at ${file}: check OAUTH3_DATA_DIR, or start the gateway first`);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DatabaseOpenError(`${file}: cannot open the database (${err.code ?? err.message})`);
  }
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), location: file };
}

/** True for the error of a query on a table that does not exist (the schema was never migrated). */
export function isMissingSchema(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '42P01' || /no such table/i.test(err?.message ?? '');
}
