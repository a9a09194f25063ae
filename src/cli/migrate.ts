import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openDatabase, migrateToLatest } from '../store/index.js';

/** `oauth3 migrate`: applies pending migrations and exits (the server also migrates on start). */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig();
      const { db, location } = openDatabase(config);
      try {
        const applied = await migrateToLatest(db);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')} to ${location}\n` : `${location} is up to date\n`);
      } finally {
        await db.destroy();
      }
    });
}
