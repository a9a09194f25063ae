import type { ModuleMigrations } from '../../src/store/migrate.js';
import { migrations as audit } from '../../src/audit/migrations/index.js';
import { migrations as tokens } from '../../src/tokens/migrations/index.js';
import { migrations as accounts } from '../../src/accounts/migrations/index.js';
import { migrations as oauth } from '../../src/oauth/migrations/index.js';
import { migrations as agents } from '../../src/agents/migrations/index.js';

/** The built-in modules' migrations in dependency order, for tests and benchmarks: `migrateModules(db, BUILTIN_MIGRATIONS)`. */
export const BUILTIN_MIGRATIONS: ReadonlyArray<ModuleMigrations> = [
  { name: 'audit', migrations: audit },
  { name: 'tokens', migrations: tokens },
  { name: 'accounts', migrations: accounts },
  { name: 'oauth', migrations: oauth },
  { name: 'agents', migrations: agents },
];
