import type { Kysely, Transaction } from 'kysely';

/**
 * The database schema, one interface for all tables. Each domain adds its tables by declaration merging in its
 * own `tables.ts`:
 *   declare module '../store/database.js' { interface Database { users: UsersTable } }
 * Conventions that hold on both SQLite and PostgreSQL: ids are text; times are epoch milliseconds (bigint,
 * read back as number); booleans are integers 0/1; JSON is text.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Database {}

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: query helpers accept both. */
export type Executor = Db | Tx;
export type Dialect = 'sqlite' | 'postgres';

/** Thrown when the database cannot be opened; the message says what and where. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}
