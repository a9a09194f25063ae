export { DatabaseOpenError, type Database, type Db, type Tx, type Executor, type Dialect } from './database.js';
export { openDatabase, CONNECT_TIMEOUT_MS, type OpenedDatabase } from './open-database.js';
export { openReadOnly, isMissingSchema } from './open-read-only.js';
export { migrateModules, LegacySchemaError, type ModuleMigrations } from './migrate.js';
export { preparedQuery, preparedInsert, type PreparedQuery, type Slot } from './prepared-query.js';
export { runSteps, type WriteStep } from './write-step.js';
export { writeStepOf } from './write-step-of.js';
export { GroupCommit } from './group-commit.js';
export { isDatabaseUnavailable } from './database-unavailable.js';
