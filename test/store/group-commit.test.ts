import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { preparedQuery, type Executor } from '../../src/store/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// A table of the test's own: rows (id, text, number) with a primary key.
interface Scratch {
  group_commit_scratch: { id: string; body: string; n: number };
}
const scratch = (db: Executor) => db as unknown as Kysely<Scratch>;
const insert = preparedQuery(['id', 'body', 'n'], (db, slot) =>
  scratch(db)
    .insertInto('group_commit_scratch')
    .values({ id: slot('id'), body: slot('body'), n: slot('n') }),
);
const createScratch = (app: TestApp) =>
  scratch(app.ctx.db)
    .schema.createTable('group_commit_scratch')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .execute();
const update = preparedQuery(['body', 'id'], (db, slot) =>
  scratch(db)
    .updateTable('group_commit_scratch')
    .set({ body: slot('body') })
    .where('id', '=', slot('id')),
);

describe.each(dialects)('group commit on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    await createScratch(app);
  });
  afterAll(() => app.stop());

  const rows = async (prefix: string) =>
    (
      await scratch(app.ctx.db).selectFrom('group_commit_scratch').selectAll().where('id', 'like', `${prefix}%`).orderBy('id').execute()
    ).map((r) => `${r.id}=${r.body}`);

  it('writes the units queued together in one commit, answered once stored; a unit whose guard changed no row writes nothing', async () => {
    const db = app.ctx.db;
    const gc = app.ctx.commits;
    await gc.run([insert.step(db, { id: 'a-1', body: 'one', n: 1 })]);
    const [first, stopped, third] = await Promise.all([
      gc.run([update.step(db, { body: 'changed', id: 'a-1' }, { guard: true }), insert.step(db, { id: 'a-2', body: 'two', n: 2 })]),
      gc.run([update.step(db, { body: 'never', id: 'a-missing' }, { guard: true }), insert.step(db, { id: 'a-3', body: 'three', n: 3 })]),
      gc.run([insert.step(db, { id: 'a-4', body: 'four', n: 4 })]),
    ]);
    expect([first, stopped, third]).toEqual([true, false, true]);
    expect(await rows('a-')).toEqual(['a-1=changed', 'a-2=two', 'a-4=four']);
  });

  it('rolls the whole batch back on a database error, and every caller gets it', async () => {
    const db = app.ctx.db;
    const gc = app.ctx.commits;
    await gc.run([insert.step(db, { id: 'b-1', body: 'one', n: 1 })]);
    const results = await Promise.allSettled([
      gc.run([insert.step(db, { id: 'b-2', body: 'two', n: 2 })]),
      gc.run([insert.step(db, { id: 'b-1', body: 'duplicate', n: 1 })]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toMatch(/unique|duplicate/i);
    expect(await rows('b-')).toEqual(['b-1=one']);
    expect(await gc.run([insert.step(db, { id: 'b-3', body: 'three', n: 3 })])).toBe(true); // and goes on
  });

  it('refuses a guard that is not the first step of its unit', async () => {
    const db = app.ctx.db;
    expect(() =>
      app.ctx.commits.run([insert.step(db, { id: 'c-1', body: 'x', n: 1 }), update.step(db, { body: 'y', id: 'c-1' }, { guard: true })]),
    ).toThrow(/first step/);
    expect(await rows('c-')).toEqual([]);
  });
});

describe('group commit on SQLite while another process of a cluster holds the write lock', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { workers: 2 });
    await createScratch(app);
  });
  afterAll(() => app.stop());

  it('waits without blocking the event loop, and commits once the lock is released', async () => {
    const db = app.ctx.db;
    // Another connection to the same file (as another worker of a cluster has) takes the write lock.
    const other = new SQLite(join(app.config.dataDir, 'oauth3.db'));
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      other.prepare("INSERT INTO group_commit_scratch (id, body, n) VALUES ('d-other', 'x', 1)").run();
      let settled = false;
      const written = app.ctx.commits.run([insert.step(db, { id: 'd-1', body: 'one', n: 1 })]).finally(() => {
        settled = true;
      });
      // Timers keep firing while the unit waits: SQLite's busy handler would have blocked this thread.
      let ticks = 0;
      const started = Date.now();
      while (Date.now() - started < 200) {
        await new Promise((r) => setTimeout(r, 5));
        ticks++;
      }
      expect(ticks).toBeGreaterThan(10);
      expect(settled).toBe(false);
      other.prepare('COMMIT').run();
      expect(await written).toBe(true);
      const ids = (
        await scratch(db).selectFrom('group_commit_scratch').select('id').where('id', 'like', 'd-%').orderBy('id').execute()
      ).map((r) => r.id);
      expect(ids).toEqual(['d-1', 'd-other']);
    } finally {
      other.close();
    }
  });
});
