import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../../src/crypto/index.js';
import { pruneExpired } from '../../src/oauth/tokens/prune-expired.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;

describe.each(dialects)('pruning expired OAuth rows on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const family = async (createdAt: number, tokenExpiries: number[]) => {
    const id = randomId('fam');
    await app.ctx.db
      .insertInto('oauth_families')
      .values({
        id,
        grant_id: null,
        client_id: 'c-prune',
        user_id: null,
        scope: 'mcp',
        resource: app.url,
        created_at: createdAt,
        revoked_at: null,
      })
      .execute();
    for (const expiresAt of tokenExpiries) {
      const tokenId = randomId('rt');
      await app.ctx.db
        .insertInto('oauth_refresh_tokens')
        .values({ id: tokenId, token_hash: `h-${tokenId}`, family_id: id, created_at: createdAt, expires_at: expiresAt, used_at: null })
        .execute();
    }
    return id;
  };
  const left = async (table: 'oauth_families' | 'oauth_refresh_tokens', column: 'id' | 'family_id', ids: string[]) =>
    (await app.ctx.db.selectFrom(table).select(column).where(column, 'in', ids).execute()).map(
      (r) => (r as Record<string, string>)[column],
    );

  it('deletes expired refresh tokens, and the families older than a day that have none left; keeps the rest', async () => {
    const now = Date.now();
    const live = await family(now - 2 * DAY, [now - DAY, now + DAY]); // one token expired, one still valid
    const finished = await family(now - 2 * DAY, [now - DAY, now - 1]); // every token expired
    const young = await family(now - 1000, []); // no token (no offline_access), but issued less than a day ago
    const all = [live, finished, young];
    await pruneExpired(app.ctx, now);
    expect((await left('oauth_families', 'id', all)).sort()).toEqual([live, young].sort());
    expect(await left('oauth_refresh_tokens', 'family_id', all)).toEqual([live]);
    // A day later the young family has no token either: it goes too.
    await pruneExpired(app.ctx, now + 2 * DAY);
    expect(await left('oauth_families', 'id', all)).toEqual([]);
  });
});
