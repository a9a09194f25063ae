import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openDatabase, migrateModules, type ModuleMigrations } from '../store/index.js';
import { migrations as audit } from '../audit/migrations/index.js';
import { migrations as tokens } from '../tokens/migrations/index.js';
import { migrations as accounts } from '../accounts/migrations/index.js';
import { migrations as oauth } from '../oauth/migrations/index.js';
import { migrations as agents } from '../agents/migrations/index.js';

// TODO(lead): manifests — take each module's migrations from its manifest instead of this list.
/** The built-in modules' migrations, in dependency order. */
const MODULES: ReadonlyArray<ModuleMigrations> = [
  { name: 'audit', migrations: audit },
  { name: 'tokens', migrations: tokens },
  { name: 'accounts', migrations: accounts },
  { name: 'oauth', migrations: oauth },
  { name: 'agents', migrations: agents },
];

/** `oauth3 migrate`: applies pending migrations and exits (the server also migrates on start). */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig();
      const { db, location } = openDatabase(config);
      try {
        const applied = await migrateModules(db, MODULES);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')} to ${location}\n` : `${location} is up to date\n`);
      } finally {
        await db.destroy();
      }
    });
}
