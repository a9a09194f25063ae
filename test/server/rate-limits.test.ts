import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CeremonyClient } from '../accounts/ceremony-client.js';
import { dialects } from '../support/databases.js';
import { builtinModules, pruneModules } from '../../src/server/index.js';

describe('per-IP limits on unauthenticated sign-in and registration endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { rateLimitAuth: 3 });
  });
  afterAll(() => app.stop());

  const post = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers 429 with Retry-After past the budget on passkey sign-in', async () => {
    const browser = new CeremonyClient(app.url);
    await browser.page('/login'); // the anonymous CSRF cookie and token, as a browser gets them
    for (let i = 0; i < 3; i++) expect((await browser.send('POST', '/api/v1/signin/options', {})).status).toBe(200);
    const refused = await browser.send('POST', '/api/v1/signin/options', {});
    expect(refused.status).toBe(429);
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.json.error).toBe('ERR_RATE_LIMITED');
  });

  it('keeps 429 (not invalid_request) on the OAuth registration endpoint', async () => {
    const body = { redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'flood' };
    for (let i = 0; i < 3; i++) expect((await post('/register', body)).status).toBe(201);
    const refused = await post('/register', body);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toBe('ERR_RATE_LIMITED');
  });

  it('refuses (503) rather than lets a request through unlimited when its count cannot be written', async () => {
    // another process holds the SQLite write lock: the count's UPSERT fails after the busy timeout. The attestation
    // document (outside a TEE: {tee: false}) reads nothing and writes nothing itself, so only the limit can refuse it.
    const other = new SQLite(join(app.config.dataDir, 'oauth3.db'));
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const refused = await fetch(`${app.url}/.well-known/oauth3-attestation`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect((await refused.json()).error).toBe('ERR_DATABASE_UNAVAILABLE');
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect((await fetch(`${app.url}/.well-known/oauth3-attestation`)).status).toBe(200);
  }, 30_000);

  it('leaves other routes alone', async () => {
    for (let i = 0; i < 6; i++) expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe.each(dialects)('per-IP limits counted on the database (%s)', (dialect) => {
  let app: TestApp;
  const WINDOW_S = 2;
  beforeAll(async () => {
    app = await startTestApp(dialect, { rateLimitAuth: 4, rateLimitAuthWindow: WINDOW_S, workers: 2 });
  });
  afterAll(() => app.stop());
  const body = JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'shared' });
  const register = () => fetch(`${app.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('allows the configured number in all (no per-worker share), then 429 until the window ends', async () => {
    for (let i = 0; i < 4; i++) expect((await register()).status).toBe(201);
    const refused = await register();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
    expect((await register()).status).toBe(201); // a new window
  });

  it('prunes ended windows (the prune of the gateway module), keeps live ones', async () => {
    const now = Date.now();
    await app.ctx.db
      .insertInto('rate_limit_counts')
      .values([
        { bucket: `prune-test:ended`, count: 3, ends_at: now - 1 },
        { bucket: `prune-test:live`, count: 3, ends_at: now + 60_000 },
      ])
      .execute();
    const deleted = await pruneModules(app.ctx, builtinModules, now);
    expect(deleted.gateway).toBeGreaterThanOrEqual(1);
    const left = await app.ctx.db.selectFrom('rate_limit_counts').select('bucket').where('bucket', 'like', 'prune-test:%').execute();
    expect(left.map((r) => r.bucket)).toEqual(['prune-test:live']);
  });

  it('never lets concurrent requests past the limit (one conditional UPSERT a request)', async () => {
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000 + 200)); // the last test's window has ended
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => register()))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);
    const rows = await app.ctx.db
      .selectFrom('rate_limit_counts')
      .select(['bucket', 'count'])
      .where('bucket', 'like', 'route POST /register:%')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.count).toBe(4); // a full window is not written to
    expect(rows[0]!.bucket).not.toContain('127.0.0.1'); // the address is stored hashed
  });
});
