export { openDatabase, DatabaseOpenError, type Database, type Db, type Tx, type Executor, type Dialect, type OpenedDatabase } from './database.js';
export { migrateModules, LegacySchemaError, type ModuleMigrations } from './migrate.js';
export { preparedQuery, type PreparedQuery, type Slot } from './prepared-query.js';
export { runSteps, type WriteStep } from './write-step.js';
export { GroupCommit, groupCommitOf } from './group-commit.js';
