import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayModule, Principal } from '../../src/kernel/index.js';
import { builtinModules, pruneModules } from '../../src/server/index.js';
import { createApproval, decideApproval } from '../../src/proxy/approvals/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe.each(dialects)('the gateway’s periodic prune removes the proxy’s dead rows on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app?.stop());

  const principal = (): Principal =>
    ({ kind: 'api_token', userId: user.userId, tokenId: 'tok-prune', clientId: null, chain: [], scopes: [] }) as unknown as Principal;
  const ask = (text: string, at: number) =>
    createApproval(app.ctx, { principal: principal(), plugin: 'echo', action: 'say', input: { text } }, at);

  it('deletes ended rate windows and approvals a day past their expiry, through the proxy module’s prune; keeps the rest', async () => {
    const now = Date.now();
    const windows = [
      { grant_id: `g-${dialect}`, action: 'echo.say', window_start: now - 2 * DAY, count: 3 }, // a day window, long ended
      { grant_id: `g-${dialect}`, action: 'echo.say', window_start: now - DAY - MINUTE, count: 1 }, // ended too
      { grant_id: `g-${dialect}`, action: 'echo.say', window_start: now - MINUTE, count: 2 }, // the current window
    ];
    await app.ctx.db.insertInto('proxy_rate_counts').values(windows).execute();
    // Asked two days ago (expired a day and more ago): one left pending, one approved and used, one denied
    const old = await Promise.all(['a', 'b', 'c'].map((t) => ask(t, now - 2 * DAY)));
    await decideApproval(app.ctx, old[1]!.id, user.userId, 'approved', now - 2 * DAY + 1000);
    await app.ctx.db
      .updateTable('proxy_approvals')
      .set({ status: 'used', used_at: now - 2 * DAY + 2000 })
      .where('id', '=', old[1]!.id)
      .execute();
    await decideApproval(app.ctx, old[2]!.id, user.userId, 'denied', now - 2 * DAY + 1000);
    // Expired an hour ago (its status_url still says so), and one pending now
    const recent = await ask('d', now - 2 * 3_600_000);
    const live = await ask('e', now);

    const deleted = await pruneModules(app.ctx, builtinModules, now);
    expect(deleted.proxy).toBe(5);
    expect(deleted.oauth).toBeGreaterThanOrEqual(0); // the OAuth rows' prune runs in the same pass
    const left = await app.ctx.db.selectFrom('proxy_rate_counts').select('window_start').where('grant_id', '=', `g-${dialect}`).execute();
    expect(left.map((r) => Number(r.window_start))).toEqual([now - MINUTE]);
    const approvals = await app.ctx.db.selectFrom('proxy_approvals').select('id').where('user_id', '=', user.userId).execute();
    expect(approvals.map((r) => r.id).sort()).toEqual([recent.id, live.id].sort());
    // Nothing else to do a second time
    expect((await pruneModules(app.ctx, builtinModules, now)).proxy).toBe(0);
  });

  it('a module whose prune fails is logged and skipped; the others still prune', async () => {
    const broken: GatewayModule = {
      name: 'broken',
      prune: async () => {
        throw new Error('no such table');
      },
    };
    const now = Date.now();
    await app.ctx.db
      .insertInto('proxy_rate_counts')
      .values({ grant_id: `h-${dialect}`, action: 'echo.say', window_start: now - 3 * DAY, count: 1 })
      .execute();
    const deleted = await pruneModules(app.ctx, [broken, ...builtinModules], now);
    expect(deleted.broken).toBeUndefined();
    expect(deleted.proxy).toBe(1);
  });
});
