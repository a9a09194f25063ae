import type SQLite from 'better-sqlite3';

/** How long a SQLite statement waits for another connection's write lock (blocking): the busy timeout. */
export const BUSY_TIMEOUT_MS = 5000;

/** The better-sqlite3 connection under a SQLite `Db`, and whether other processes of a cluster write the file too. */
export interface SqliteHandle {
  sqlite: SQLite.Database;
  shared: boolean;
}
