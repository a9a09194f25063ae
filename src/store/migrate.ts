import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, type Kysely } from 'kysely';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Runs every migration in `store/migrations/` (one file per step, named `NNNN_what.ts`) that has not run yet.
 * The same migrations run on SQLite and PostgreSQL. Returns the names applied now.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
