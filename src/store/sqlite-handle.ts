import type SQLite from 'better-sqlite3';

/** How long a SQLite statement waits for another connection's write lock (blocking): the busy timeout. */
export const BUSY_TIMEOUT_MS = 5000;

/** The better-sqlite3 connection under a SQLite `Db`, and whether other processes of a cluster write the file too. */
export interface SqliteHandle {
  sqlite: SQLite.Database;
  shared: boolean;
}

/** The better-sqlite3 connection under each SQLite Db that openDatabase made (a transaction of it is not one). */
const under = new WeakMap<object, SQLite.Database>();

/** Records that `db` (a Kysely instance openDatabase made) runs on `sqlite`. */
export function noteSqliteUnder(db: object, sqlite: SQLite.Database): void {
  under.set(db, sqlite);
}

/** The better-sqlite3 connection under `db` when `db` is a SQLite Db itself; undefined for PostgreSQL and for a transaction. */
export function sqliteUnder(db: object): SQLite.Database | undefined {
  return under.get(db);
}
