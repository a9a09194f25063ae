import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { dialects, freshDatabase } from '../support/databases.js';

const at = (jti: string, grantId: string | null, parentJti: string | null) => ({
  jti, user_id: 'u1', client_id: 'c1', scope: 'mcp', audience: 'https://gw.example', grant_id: grantId, parent_jti: parentJti,
  created_at: 1, expires_at: Date.now() + 3_600_000, last_used_at: null, last_used_ip: null,
});

describe.each(dialects)('migration 0009 moves refresh families out of the grant index on %s', (dialect) => {
  let db: Kysely<Database>;
  let migrator: Migrator;

  beforeAll(async () => {
    ({ db } = openDatabase(await freshDatabase(dialect)));
    migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo('0008_cheaper_rotation');
    if (error) throw error;
    // As 0008 left them: an OAuth token naming its family in grant_id, a delegation's token, one exchanged from it.
    await db.insertInto('oauth_families').values({ id: 'fam1', grant_id: null, client_id: 'c1', user_id: 'u1', scope: 'mcp', resource: 'https://gw.example', created_at: 1, revoked_at: null }).execute();
    await db.insertInto('access_tokens').values([at('at-family', 'fam1', null), at('at-delegation', 'dlg1', null), at('at-child', 'dlg1', 'at-delegation')] as never).execute();
    const up = await migrator.migrateToLatest();
    if (up.error) throw up.error;
  });
  afterAll(() => db.destroy());

  const rows = () => db.selectFrom('access_tokens').select(['jti', 'grant_id', 'family_id', 'parent_jti']).orderBy('jti').execute();

  it('moves a family into family_id and leaves delegations in grant_id', async () => {
    expect(await rows()).toEqual([
      { jti: 'at-child', grant_id: 'dlg1', family_id: null, parent_jti: 'at-delegation' },
      { jti: 'at-delegation', grant_id: 'dlg1', family_id: null, parent_jti: null },
      { jti: 'at-family', grant_id: null, family_id: 'fam1', parent_jti: null },
    ]);
  });

  it('keeps only tokens with a grant or a parent in those indexes, and lookups still use them', async () => {
    if (dialect === 'sqlite') {
      const defs = await sql<{ sql: string }>`select sql from sqlite_master where name in ('access_tokens_grant', 'access_tokens_parent') order by name`.execute(db);
      expect(defs.rows.map((r) => r.sql.replace(/\s+/g, ' ').toLowerCase())).toEqual([
        'create index "access_tokens_grant" on "access_tokens" ("grant_id") where "grant_id" is not null',
        'create index "access_tokens_parent" on "access_tokens" ("parent_jti") where "parent_jti" is not null',
      ]);
      for (const [column, index] of [['grant_id', 'access_tokens_grant'], ['parent_jti', 'access_tokens_parent']]) {
        const plan = await sql<{ detail: string }>`explain query plan select jti from access_tokens where ${sql.ref(column)} in (${'x'}, ${'y'})`.execute(db);
        expect(plan.rows.map((r) => r.detail).join(' ')).toContain(`USING INDEX ${index}`);
      }
    } else {
      const defs = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname in ('access_tokens_grant', 'access_tokens_parent') order by indexname`.execute(db);
      expect(defs.rows.map((r) => r.indexdef)).toEqual([
        expect.stringMatching(/\(grant_id\) WHERE \(grant_id IS NOT NULL\)$/),
        expect.stringMatching(/\(parent_jti\) WHERE \(parent_jti IS NOT NULL\)$/),
      ]);
    }
    const found = await db.selectFrom('access_tokens').select('jti').where('grant_id', 'in', ['dlg1']).orderBy('jti').execute();
    expect(found.map((r) => r.jti)).toEqual(['at-child', 'at-delegation']);
  });

  it('goes back down to 0008 with the family in grant_id again', async () => {
    const { error } = await migrator.migrateTo('0008_cheaper_rotation');
    if (error) throw error;
    const back = await db.selectFrom('access_tokens').select(['jti', 'grant_id']).orderBy('jti').execute();
    expect(back).toEqual([{ jti: 'at-child', grant_id: 'dlg1' }, { jti: 'at-delegation', grant_id: 'dlg1' }, { jti: 'at-family', grant_id: 'fam1' }]);
    const up = await migrator.migrateToLatest();
    if (up.error) throw up.error;
    expect((await rows()).find((r) => r.jti === 'at-family')).toMatchObject({ grant_id: null, family_id: 'fam1' });
  });
});
