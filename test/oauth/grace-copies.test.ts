import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graceCopiesOf } from '../../src/oauth/tokens/grace-copies.js';
import { groupCommitOf, preparedQuery } from '../../src/store/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { advanceClock } from './support/oauth-helpers.js';

const pair = (n: string) => ({ access_token: `at-${n}`, token_type: 'Bearer' as const, expires_in: 3600, scope: 'mcp', refresh_token: `rt-${n}` });
// A guard that changes no row: its unit stops, as a rotation that lost the race does.
const noRow = preparedQuery((db, slot) => db.updateTable('oauth_refresh_tokens').set({ used_at: slot(0) }).where('id', '=', slot(1)).where('used_at', 'is', null));

describe.each(dialects)('grace copies of rotated pairs on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(dialect, { oauthRefreshGraceSeconds: 5 }); });
  afterAll(() => app.stop());

  const batches = () => app.ctx.db.selectFrom('oauth_refresh_grace_batches').selectAll().orderBy('last_used_at').execute();

  it('seals the copies of one batch together in one row, and finds each rotation its own pair', async () => {
    const copies = graceCopiesOf(app.ctx);
    const gc = groupCommitOf(app.ctx.db);
    const before = (await batches()).length;
    const t = Date.now();
    await Promise.all(['a', 'b', 'c'].map((n, i) => gc.run([], copies.keep(`rt-old-${n}`, t + i, pair(n)))));
    const rows = await batches();
    expect(rows.length - before).toBe(1);
    const row = rows.at(-1)!;
    expect([Number(row.first_used_at), Number(row.last_used_at)]).toEqual([t, t + 2]);
    for (const n of ['a', 'b', 'c']) expect(row.sealed).not.toContain(`at-${n}`);
    expect(await copies.find('rt-old-b', t + 1)).toEqual(pair('b'));
    expect(await copies.find('rt-old-a', t)).toEqual(pair('a'));
    expect(await copies.find('rt-old-unknown', t + 1)).toBeUndefined();
  });

  it('keeps no copy for a unit whose guard stopped it', async () => {
    const copies = graceCopiesOf(app.ctx);
    const t = Date.now();
    const [lost, won] = await Promise.all([
      groupCommitOf(app.ctx.db).run([noRow.step(app.ctx.db, [t, 'rt-none'], { guard: true })], copies.keep('rt-old-lost', t, pair('lost'))),
      groupCommitOf(app.ctx.db).run([], copies.keep('rt-old-won', t, pair('won'))),
    ]);
    expect([lost, won]).toEqual([false, true]);
    expect(await copies.find('rt-old-lost', t)).toBeUndefined();
    expect(await copies.find('rt-old-won', t)).toEqual(pair('won'));
  });

  it('binds a sealed batch to its row: moved to another row it does not open', async () => {
    const copies = graceCopiesOf(app.ctx);
    const t = Date.now() + 1000; // a time of its own
    await groupCommitOf(app.ctx.db).run([], copies.keep('rt-old-moved', t, pair('moved')));
    const [row] = (await batches()).filter((r) => Number(r.first_used_at) === t);
    await app.ctx.db.deleteFrom('oauth_refresh_grace_batches').where('id', '=', row.id).execute();
    await app.ctx.db.insertInto('oauth_refresh_grace_batches').values({ ...row, id: `${row.id}x` }).execute();
    await expect(copies.find('rt-old-moved', t)).rejects.toThrow();
    await app.ctx.db.deleteFrom('oauth_refresh_grace_batches').where('id', '=', `${row.id}x`).execute();
  });

  it('finds nothing once the window has passed, and the next batch deletes the batches whose window passed', async () => {
    const copies = graceCopiesOf(app.ctx);
    const t = Date.now();
    await groupCommitOf(app.ctx.db).run([], copies.keep('rt-old-late', t, pair('late')));
    expect(await copies.find('rt-old-late', t)).toEqual(pair('late'));
    const clock = advanceClock(5_001);
    try {
      expect(await copies.find('rt-old-late', t)).toBeUndefined();
      expect((await batches()).some((r) => Number(r.last_used_at) <= t)).toBe(true); // still stored until a batch or the prune deletes it
      await groupCommitOf(app.ctx.db).run([], copies.keep('rt-old-next', Date.now(), pair('next')));
      const left = await batches();
      expect(left.some((r) => Number(r.last_used_at) <= t)).toBe(false);
      expect(await copies.find('rt-old-next', Number(left.at(-1)!.last_used_at))).toEqual(pair('next'));
    } finally {
      clock.restore();
    }
  });
});
