import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../../src/crypto/index.js';
import { ACCESS_TOKEN_RETENTION_MS, pruneAccessTokens } from '../../src/tokens/prune-access-tokens.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe.each(dialects)('pruning access-token rows on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const row = (expiresAt: number, client: string) => ({
    jti: randomId('at'),
    user_id: null,
    client_id: client,
    scope: 'mcp',
    audience: app.url,
    grant_id: null,
    parent_jti: null,
    created_at: expiresAt - 3600_000,
    expires_at: expiresAt,
    last_used_at: null,
    last_used_ip: null,
    family_id: null,
  });
  const insert = async (expiresAt: number, client: string) => {
    const r = row(expiresAt, client);
    await app.ctx.db.insertInto('access_tokens').values(r).execute();
    return r.jti;
  };
  const left = async (client: string) =>
    (await app.ctx.db.selectFrom('access_tokens').select('jti').where('client_id', '=', client).execute()).map((r) => r.jti).sort();

  it('deletes rows expired for longer than the retention, in chunks, and keeps the rest', async () => {
    const now = Date.now();
    const client = randomId('c');
    const live = await insert(now + 3600_000, client);
    const recentlyExpired = await insert(now - ACCESS_TOKEN_RETENTION_MS + 60_000, client);
    // More old rows than one statement deletes (5,000), so the chunk loop has to go round.
    const old: string[] = [];
    for (let i = 0; i < 5_200; i += 400) {
      const batch = Array.from({ length: Math.min(400, 5_200 - i) }, () => row(now - ACCESS_TOKEN_RETENTION_MS - 3600_000, client));
      await app.ctx.db.insertInto('access_tokens').values(batch).execute();
      old.push(...batch.map((r) => r.jti));
    }
    expect(await pruneAccessTokens(app.ctx, now)).toBeGreaterThanOrEqual(old.length);
    expect(await left(client)).toEqual([live, recentlyExpired].sort());
    // Once its retention ends, the recently expired row goes too; the live one stays.
    await pruneAccessTokens(app.ctx, now + 120_000);
    expect(await left(client)).toEqual([live]);
  });

  it('is the tokens module’s prune, so the gateway’s periodic prune runs it', async () => {
    const { tokensModule } = await import('../../src/tokens/tokens-module.js');
    expect(tokensModule.prune).toBe(pruneAccessTokens);
  });
});
