import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, migrateModules, LegacySchemaError, type Database, type Dialect } from '../../src/store/index.js';
import { migratorOf } from '../../src/store/migrate.js';
import { BUILTIN_MIGRATIONS } from '../support/builtin-migrations.js';
import { dialects, freshDatabase } from '../support/databases.js';

const TABLES: Record<string, string[]> = {
  gateway: ['rate_limit_counts'],
  audit: ['audit_events'],
  tokens: ['signing_keys', 'revoked_tokens', 'access_tokens', 'api_tokens'],
  accounts: ['users', 'sessions', 'passkeys', 'webauthn_challenges', 'account_invites'],
  oauth: [
    'oauth_clients',
    'oauth_grants',
    'oauth_codes',
    'oauth_families',
    'oauth_refresh_tokens',
    'oauth_resources',
    'oauth_client_assertions',
  ],
  agents: ['delegations', 'agent_availability'],
  vault: ['vault_data_keys', 'vault_connections', 'vault_allowances', 'vault_api_keys', 'vault_connect_sessions'],
  proxy: ['proxy_policies', 'proxy_rate_counts', 'proxy_approvals', 'mcp_clients'],
  mcp: ['mcp_fronted_tools'],
};
/** The indexes of their own (not those behind a primary key or a unique constraint). */
const INDEXES = [
  'access_tokens_expires',
  'access_tokens_grant',
  'access_tokens_parent',
  'api_tokens_user',
  'audit_events_user',
  'delegations_agent',
  'delegations_user',
  'mcp_clients_initialized',
  'oauth_client_assertions_expires',
  'oauth_clients_owner',
  'oauth_codes_expires',
  'oauth_families_grant',
  'oauth_grants_user',
  'passkeys_user',
  'proxy_approvals_grant',
  'proxy_approvals_user',
  'rate_limit_counts_ends',
  'revoked_tokens_revoked_at',
  'sessions_user',
  'vault_connect_sessions_expires',
  'vault_connections_key',
  'vault_data_keys_one_primary',
  'webauthn_challenges_expires',
];
const BASELINES = BUILTIN_MIGRATIONS.map((m) => `${m.name}/0001_baseline`);
/** Every built-in migration, in the order a fresh database gets them (module order, then each module's own). */
const ALL = BUILTIN_MIGRATIONS.flatMap((m) => Object.keys(m.migrations!).map((name) => `${m.name}/${name}`));
const bookkeeping = BUILTIN_MIGRATIONS.flatMap((m) => [`oauth3_migrations_${m.name}`, `oauth3_migrations_${m.name}_lock`]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const tableNames = async (db: AnyDb) => (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();

async function indexNames(db: AnyDb, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and name not like 'sqlite_autoindex_%'`.execute(db)
      : await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()
        and indexname not in (select conname from pg_constraint)`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

/** Everything about the app's tables the dialect records (without the migration bookkeeping), for comparing two states. */
async function schemaOf(db: AnyDb, dialect: Dialect): Promise<unknown> {
  if (dialect === 'sqlite') {
    const r = await sql<{
      type: string;
      name: string;
      tbl_name: string;
      sql: string | null;
    }>`select type, name, tbl_name, sql from sqlite_master
      where tbl_name not like 'oauth3_migrations_%' order by type, name`.execute(db);
    return r.rows.map((x) => ({ ...x, sql: x.sql?.replace(/\s+/g, ' ') }));
  }
  const columns =
    await sql`select table_name, column_name, ordinal_position, data_type, is_nullable, column_default from information_schema.columns
    where table_schema = current_schema() and table_name not like 'oauth3_migrations_%' order by table_name, ordinal_position`.execute(db);
  const indexes =
    await sql`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename not like 'oauth3_migrations_%'
    order by indexname`.execute(db);
  const constraints = await sql`select rel.relname, con.conname, pg_get_constraintdef(con.oid) as def from pg_constraint con
    join pg_class rel on rel.oid = con.conrelid where rel.relnamespace = current_schema()::regnamespace and rel.relname not like 'oauth3_migrations_%'
    order by rel.relname, con.conname`.execute(db);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

describe.each(dialects)('module migrations on %s', (dialect) => {
  let db: Kysely<Database>;
  let applied: string[];

  beforeAll(async () => {
    ({ db } = openDatabase(await freshDatabase(dialect)));
    applied = await migrateModules(db, BUILTIN_MIGRATIONS);
  });
  afterAll(() => db.destroy());

  it('migrates a fresh database through every module migration, and a second run applies nothing', async () => {
    expect(applied).toEqual(ALL);
    expect(applied.filter((m) => m.endsWith('/0001_baseline'))).toEqual(BASELINES);
    expect(await tableNames(db)).toEqual([...Object.values(TABLES).flat(), ...bookkeeping].sort());
    expect(await indexNames(db, dialect)).toEqual(INDEXES);
    expect(await migrateModules(db, BUILTIN_MIGRATIONS)).toEqual([]);
  });

  it('keeps only access tokens with a grant or a parent in those indexes, and lookups use them', async () => {
    const at = (jti: string, grantId: string | null, parentJti: string | null, familyId: string | null) => ({
      jti,
      user_id: 'u1',
      client_id: 'c1',
      scope: 'mcp',
      audience: 'https://gw.example',
      grant_id: grantId,
      parent_jti: parentJti,
      created_at: 1,
      expires_at: Date.now() + 3_600_000,
      last_used_at: null,
      last_used_ip: null,
      family_id: familyId,
    });
    await db
      .insertInto('access_tokens')
      .values([
        at('at-family', null, null, 'fam1'),
        at('at-delegation', 'dlg1', null, null),
        at('at-child', 'dlg1', 'at-delegation', null),
      ] as never)
      .execute();
    if (dialect === 'sqlite') {
      const defs = await sql<{
        sql: string;
      }>`select sql from sqlite_master where name in ('access_tokens_grant', 'access_tokens_parent') order by name`.execute(db);
      expect(defs.rows.map((r) => r.sql.replace(/\s+/g, ' ').toLowerCase())).toEqual([
        'create index "access_tokens_grant" on "access_tokens" ("grant_id") where "grant_id" is not null',
        'create index "access_tokens_parent" on "access_tokens" ("parent_jti") where "parent_jti" is not null',
      ]);
      const equal = await sql<{ detail: string }>`explain query plan select jti from access_tokens where grant_id = ${'x'}`.execute(db);
      expect(equal.rows.map((r) => r.detail).join(' ')).toContain('USING INDEX access_tokens_grant');
      for (const [column, index] of [
        ['grant_id', 'access_tokens_grant'],
        ['parent_jti', 'access_tokens_parent'],
      ]) {
        const plan = await sql<{
          detail: string;
        }>`explain query plan select jti from access_tokens where ${sql.ref(column)} in (${'x'}, ${'y'})`.execute(db);
        expect(plan.rows.map((r) => r.detail).join(' ')).toContain(`USING INDEX ${index}`);
      }
    } else {
      const defs = await sql<{
        indexdef: string;
      }>`select indexdef from pg_indexes where indexname in ('access_tokens_grant', 'access_tokens_parent') order by indexname`.execute(db);
      expect(defs.rows.map((r) => r.indexdef)).toEqual([
        expect.stringMatching(/\(grant_id\) WHERE \(grant_id IS NOT NULL\)$/),
        expect.stringMatching(/\(parent_jti\) WHERE \(parent_jti IS NOT NULL\)$/),
      ]);
    }
    const found = await db.selectFrom('access_tokens').select('jti').where('grant_id', 'in', ['dlg1']).orderBy('jti').execute();
    expect(found.map((r) => r.jti)).toEqual(['at-child', 'at-delegation']);
    await db.deleteFrom('access_tokens').execute();
  });

  it('takes every module migration down in reverse order and up again to the same schema', async () => {
    const before = await schemaOf(db, dialect);
    for (const module of [...BUILTIN_MIGRATIONS].reverse()) {
      const names = Object.keys(module.migrations!).reverse();
      for (const name of names) {
        const { error, results } = await migratorOf(db, module).migrateDown();
        if (error) throw error;
        expect(results).toEqual([{ migrationName: name, direction: 'Down', status: 'Success' }]);
      }
      const left = await tableNames(db);
      for (const table of TABLES[module.name]) expect(left).not.toContain(table);
    }
    expect(await tableNames(db)).toEqual([...bookkeeping].sort());
    expect(await migrateModules(db, BUILTIN_MIGRATIONS)).toEqual(ALL);
    expect(await schemaOf(db, dialect)).toEqual(before);
  });

  it('refuses a database made by the pre-release chain, changing nothing in it', async () => {
    const legacy = openDatabase(await freshDatabase(dialect)).db as AnyDb;
    try {
      await legacy.schema
        .createTable('kysely_migration')
        .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
        .execute();
      await legacy
        .insertInto('kysely_migration')
        .values({ name: '0010_derived_successors', timestamp: new Date().toISOString() })
        .execute();
      await legacy.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .execute();
      const before = await tableNames(legacy);
      const refusal = await migrateModules(legacy, BUILTIN_MIGRATIONS).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(LegacySchemaError);
      expect((refusal as Error).message).toMatch(
        /^this database was made by a pre-release oauth3 \(migrations 0001–0010\) .*start with a new database/,
      );
      expect((refusal as Error).message).not.toContain('\n');
      expect(await tableNames(legacy)).toEqual(before);
      expect(before).toEqual(['kysely_migration', 'signing_keys']);
    } finally {
      await legacy.destroy();
    }
  });

  it('refuses a module name that cannot name its tables, before touching the database, and skips modules without migrations', async () => {
    const other = openDatabase(await freshDatabase(dialect)).db as AnyDb;
    try {
      for (const name of ['Audit', '1st', 'my-module', '', 'a b']) {
        await expect(migrateModules(other, [{ name, migrations: {} }])).rejects.toThrow(/must match/);
      }
      await expect(migrateModules(other, [...BUILTIN_MIGRATIONS, BUILTIN_MIGRATIONS[0]])).rejects.toThrow(/listed twice/);
      expect(await tableNames(other)).toEqual([]);
      // A module without migrations gets no bookkeeping tables.
      expect(await migrateModules(other, [{ name: 'plain' }, { name: 'empty', migrations: {} }])).toEqual([]);
      expect(await tableNames(other)).toEqual([]);
    } finally {
      await other.destroy();
    }
  });
});
