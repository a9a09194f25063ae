import { builtinModules } from '../../src/server/index.js';

/** The built-in modules that have migrations, in module order, for tests: `migrateModules(db, BUILTIN_MIGRATIONS)`. */
export const BUILTIN_MIGRATIONS = builtinModules.filter((m) => m.migrations);
