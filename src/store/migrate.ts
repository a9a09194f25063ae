import { Migrator, type Kysely, type Migration } from 'kysely';

/**
 * Migrations belong to the module whose tables they make (`src/<module>/migrations/`), and each module's are
 * recorded in a bookkeeping table of its own (`oauth3_migrations_<module>`, with its lock table), not in one
 * sequence for all:
 * - each module's migrations are ordered on their own (Kysely orders by name within a table), so a module adds
 *   `0002_…` without regard to the others' numbers;
 * - an external module's migrations cannot collide with a built-in module's names;
 * - removing a module leaves the other modules' bookkeeping intact.
 */

/**
 * A module's migrations: `name` picks its bookkeeping tables, `migrations` run in the order of their names. A
 * module manifest can be passed as it is; a module without migrations gets no bookkeeping tables.
 */
export interface ModuleMigrations {
  name: string;
  migrations?: Record<string, Migration>;
}

/** The table the pre-release chain (0001–0010, one sequence for all modules) kept its bookkeeping in. */
const LEGACY_MIGRATION_TABLE = 'kysely_migration';
const MODULE_NAME = /^[a-z][a-z0-9_]*$/;

/** The database was made by the pre-release migration chain, which is not upgraded: nothing was changed in it. */
export class LegacySchemaError extends Error {
  override name = 'LegacySchemaError';
  constructor() {
    super(
      'this database was made by a pre-release oauth3 (migrations 0001–0010) whose schema is not upgraded; ' +
        'start with a new database (SQLite: move the data directory away; PostgreSQL: a new database)',
    );
  }
}

/**
 * Runs the migrations not run yet of each module, module after module in the order given (dependency order:
 * audit, tokens, accounts, oauth, agents, then others). Returns the names applied now, as `<module>/<migration>`.
 * Throws LegacySchemaError, before changing anything, on a database made by the pre-release chain.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateModules(db: Kysely<any>, modules: ReadonlyArray<ModuleMigrations>): Promise<string[]> {
  const seen = new Set<string>();
  for (const { name } of modules) {
    if (!MODULE_NAME.test(name)) throw new Error(`module name ${JSON.stringify(name)} must match ${MODULE_NAME}`);
    if (seen.has(name)) throw new Error(`module ${name} is listed twice`);
    seen.add(name);
  }
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (tables.some((t) => t.name === LEGACY_MIGRATION_TABLE)) throw new LegacySchemaError();

  const applied: string[] = [];
  for (const module of modules) {
    if (!module.migrations || Object.keys(module.migrations).length === 0) continue;
    const { error, results } = await migratorOf(db, module).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${module.name}/${failed} failed: ${(error as Error).message ?? error}`);
    }
    for (const r of results ?? []) if (r.status === 'Success') applied.push(`${module.name}/${r.migrationName}`);
  }
  return applied;
}

/** The Migrator of one module, on its own bookkeeping tables (also for going down, in tests). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function migratorOf(db: Kysely<any>, module: ModuleMigrations): Migrator {
  if (!MODULE_NAME.test(module.name)) throw new Error(`module name ${JSON.stringify(module.name)} must match ${MODULE_NAME}`);
  return new Migrator({
    db,
    provider: { getMigrations: async () => module.migrations ?? {} },
    migrationTableName: `oauth3_migrations_${module.name}`,
    migrationLockTableName: `oauth3_migrations_${module.name}_lock`,
  });
}
