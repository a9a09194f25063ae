import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, preparedQuery, type Db, type Executor } from '../../src/store/index.js';

interface Scratch {
  pq_scratch: { id: string; n: number };
}
const scratch = (db: Executor) => db as unknown as Kysely<Scratch>;
const byId = preparedQuery(['id'], (db, slot) => scratch(db).selectFrom('pq_scratch').selectAll().where('id', '=', slot('id')));
const bump = preparedQuery(['id'], (db, slot) =>
  scratch(db)
    .updateTable('pq_scratch')
    .set({ n: sql`n + 1` })
    .where('id', '=', slot('id')),
);
const insert = preparedQuery(['id', 'n'], (db, slot) =>
  scratch(db)
    .insertInto('pq_scratch')
    .values({ id: slot('id'), n: slot('n') }),
);

/**
 * On SQLite a prepared query on the database itself runs its statement at once when no transaction is open (no
 * wait for Kysely's connection lock): the same results and errors as through Kysely, and never inside another
 * caller's open transaction (whose uncommitted writes it would see).
 */
describe('prepared queries on SQLite', () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oauth3-pq-'));
    db = openDatabase(loadConfig({ OAUTH3_DATA_DIR: dir })).db;
    await scratch(db)
      .schema.createTable('pq_scratch')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('runs at once outside a transaction, with the results Kysely gives', async () => {
    const viaKysely = vi.spyOn(db, 'executeQuery');
    try {
      expect(await insert(db, { id: 'a', n: 1 })).toMatchObject({ numAffectedRows: 1n, rows: [] });
      expect(await bump(db, { id: 'a' })).toMatchObject({ numAffectedRows: 1n });
      expect(await bump(db, { id: 'missing' })).toMatchObject({ numAffectedRows: 0n });
      expect((await byId(db, { id: 'a' })).rows).toEqual([{ id: 'a', n: 2 }]);
      expect((await byId(db, { id: 'missing' })).rows).toEqual([]);
      expect(viaKysely).not.toHaveBeenCalled();
      // the same statement through Kysely answers the same
      const same = await scratch(db).selectFrom('pq_scratch').selectAll().where('id', '=', 'a').execute();
      expect(same).toEqual((await byId(db, { id: 'a' })).rows);
    } finally {
      viaKysely.mockRestore();
    }
  });

  it('rejects (does not throw) when the statement fails', async () => {
    const result = insert(db, { id: 'a', n: 3 }); // the primary key is taken
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  });

  it('waits for an open transaction instead of reading inside it, and then sees what it committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const wrote = new Promise<void>((r) => (inserted = r));
    const trx = db.transaction().execute(async (t) => {
      await insert(t, { id: 'in-trx', n: 7 });
      inserted();
      await held; // the transaction stays open across this await, with its row not committed
    });
    await wrote;
    let read: Array<{ id: string; n: number }> | undefined;
    const reading = byId(db, { id: 'in-trx' }).then((r) => (read = r.rows as typeof read));
    await new Promise((r) => setTimeout(r, 50));
    expect(read).toBeUndefined(); // not answered from inside the open transaction
    release();
    await trx;
    await reading;
    expect(read).toEqual([{ id: 'in-trx', n: 7 }]);
  });

  it('inside a transaction, runs in it (through Kysely) and sees its own writes', async () => {
    await db.transaction().execute(async (t) => {
      await insert(t, { id: 'own', n: 1 });
      expect((await byId(t, { id: 'own' })).rows).toEqual([{ id: 'own', n: 1 }]);
      await bump(t, { id: 'own' });
      expect((await byId(t, { id: 'own' })).rows).toEqual([{ id: 'own', n: 2 }]);
    });
  });
});
