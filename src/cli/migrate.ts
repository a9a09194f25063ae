import type { Command } from 'commander';
import { openDatabase, migrateModules } from '../store/index.js';
import { loadGateway } from '../server/index.js';

/** `oauth3 migrate`: applies every module's pending migrations and exits (the server also migrates on start). */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const { config, modules } = await loadGateway();
      const { db, location } = openDatabase(config);
      try {
        const applied = await migrateModules(db, modules);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')} to ${location}\n` : `${location} is up to date\n`);
      } finally {
        await db.destroy();
      }
    });
}
