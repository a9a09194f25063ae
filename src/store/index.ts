export { openDatabase, DatabaseOpenError, type Database, type Db, type Tx, type Executor, type Dialect, type OpenedDatabase } from './database.js';
export { migrateToLatest } from './migrate.js';
export { preparedQuery, type Slot } from './prepared-query.js';
