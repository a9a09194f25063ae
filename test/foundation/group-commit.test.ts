import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupCommitOf, preparedQuery, sinkItem, type BatchSink } from '../../src/store/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Any small table serves: rows (id, text, time) with a primary key.
const insert = preparedQuery((db, slot) => db.insertInto('oauth_refresh_grace_batches').values({ id: slot(0), sealed: slot(1), first_used_at: slot(2), last_used_at: slot(2) }));
const update = preparedQuery((db, slot) => db.updateTable('oauth_refresh_grace_batches').set({ sealed: slot(0) }).where('id', '=', slot(1)));

describe.each(dialects)('group commit on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(dialect); });
  afterAll(() => app.stop());

  const rows = async (prefix: string) => (await app.ctx.db.selectFrom('oauth_refresh_grace_batches').selectAll().where('id', 'like', `${prefix}%`).orderBy('id').execute())
    .map((r) => `${r.id}=${r.sealed}`);

  it('writes the units queued together in one commit, answered once stored; a unit whose guard changed no row writes nothing', async () => {
    const db = app.ctx.db;
    const gc = groupCommitOf(db);
    await gc.run([insert.step(db, ['a-1', 'one', 1])]);
    const [first, stopped, third] = await Promise.all([
      gc.run([update.step(db, ['changed', 'a-1'], { guard: true }), insert.step(db, ['a-2', 'two', 2])]),
      gc.run([update.step(db, ['never', 'a-missing'], { guard: true }), insert.step(db, ['a-3', 'three', 3])]),
      gc.run([insert.step(db, ['a-4', 'four', 4])]),
    ]);
    expect([first, stopped, third]).toEqual([true, false, true]);
    expect(await rows('a-')).toEqual(['a-1=changed', 'a-2=two', 'a-4=four']);
  });

  it('rolls the whole batch back on a database error, and every caller gets it', async () => {
    const db = app.ctx.db;
    const gc = groupCommitOf(db);
    await gc.run([insert.step(db, ['b-1', 'one', 1])]);
    const results = await Promise.allSettled([
      gc.run([insert.step(db, ['b-2', 'two', 2])]),
      gc.run([insert.step(db, ['b-1', 'duplicate', 1])]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toMatch(/unique|duplicate/i);
    expect(await rows('b-')).toEqual(['b-1=one']);
    expect(await gc.run([insert.step(db, ['b-3', 'three', 3])])).toBe(true); // and goes on
  });

  it('stores the items of the written units of a batch with one write per sink, last in the same transaction', async () => {
    const db = app.ctx.db;
    const gc = groupCommitOf(db);
    const calls: string[][] = [];
    const prepared: string[][] = [];
    // A sink that joins its items into one row per batch (and sees every unit's items before the transaction).
    const joined: BatchSink<string> = {
      prepare: (items) => { prepared.push(items); },
      steps: (items) => { calls.push(items); return [insert.step(db, [`e-batch-${calls.length}`, items.join('+'), 1])]; },
    };
    await gc.run([insert.step(db, ['e-1', 'one', 1])]);
    const results = await Promise.all([
      gc.run([update.step(db, ['changed', 'e-1'], { guard: true })], [sinkItem(joined, 'first')]),
      gc.run([update.step(db, ['never', 'e-missing'], { guard: true })], [sinkItem(joined, 'stopped')]),
      gc.run([insert.step(db, ['e-2', 'two', 2])], [sinkItem(joined, 'second'), sinkItem(joined, 'third')]),
      gc.run([insert.step(db, ['e-3', 'three', 3])]),
    ]);
    expect(results).toEqual([true, false, true, true]);
    expect(calls).toEqual([['first', 'second', 'third']]); // the stopped unit's item is left out
    expect(prepared).toEqual([['first', 'stopped', 'second', 'third']]); // before the guards ran: all of them
    expect(await rows('e-')).toEqual(['e-1=changed', 'e-2=two', 'e-3=three', 'e-batch-1=first+second+third']);
  });

  it('rolls the whole batch back when a sink fails, and every caller gets the error', async () => {
    const db = app.ctx.db;
    const gc = groupCommitOf(db);
    const failing: BatchSink<string> = { steps: () => { throw new Error('sink failed'); } };
    const results = await Promise.allSettled([
      gc.run([insert.step(db, ['f-1', 'one', 1])], [sinkItem(failing, 'x')]),
      gc.run([insert.step(db, ['f-2', 'two', 2])]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toBe('sink failed');
    expect(await rows('f-')).toEqual([]);
    expect(await gc.run([insert.step(db, ['f-3', 'three', 3])])).toBe(true); // and goes on
  });

  it('refuses a guard that is not the first step of its unit', async () => {
    const db = app.ctx.db;
    expect(() => groupCommitOf(db).run([insert.step(db, ['c-1', 'x', 1]), update.step(db, ['y', 'c-1'], { guard: true })])).toThrow(/first step/);
    expect(await rows('c-')).toEqual([]);
  });
});

describe('group commit on SQLite while another process of a cluster holds the write lock', () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp('sqlite', { workers: 2 }); });
  afterAll(() => app.stop());

  it('waits without blocking the event loop, and commits once the lock is released', async () => {
    const db = app.ctx.db;
    // Another connection to the same file (as another worker of a cluster has) takes the write lock.
    const other = new SQLite(join(app.config.dataDir, 'oauth3.db'));
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      other.prepare("INSERT INTO oauth_refresh_grace_batches (id, sealed, first_used_at, last_used_at) VALUES ('d-other', 'x', 1, 1)").run();
      let settled = false;
      const written = groupCommitOf(db).run([insert.step(db, ['d-1', 'one', 1])]).finally(() => { settled = true; });
      // Timers keep firing while the unit waits: SQLite's busy handler would have blocked this thread.
      let ticks = 0;
      const started = Date.now();
      while (Date.now() - started < 200) { await new Promise((r) => setTimeout(r, 5)); ticks++; }
      expect(ticks).toBeGreaterThan(10);
      expect(settled).toBe(false);
      other.prepare('COMMIT').run();
      expect(await written).toBe(true);
      const ids = (await db.selectFrom('oauth_refresh_grace_batches').select('id').where('id', 'like', 'd-%').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toEqual(['d-1', 'd-other']);
    } finally {
      other.close();
    }
  });
});
