// SQLite locked by another process past the busy timeout (a backup, a stuck script): a write answers 503 with
// Retry-After and a stable code, not 500, and the gateway writes again once the lock is gone.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('SQLite locked by another process', () => {
  let app: TestApp;
  let user: TestUser;
  let clientAuth: string;
  let other: SQLite.Database;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
    const reg = await fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'locked',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    const { client_id, client_secret } = (await reg.json()) as Record<string, string>;
    clientAuth = `client_id=${encodeURIComponent(client_id!)}&client_secret=${encodeURIComponent(client_secret!)}`;
    other = new SQLite(join(app.config.dataDir, 'oauth3.db'));
  });
  afterAll(async () => {
    if (other?.inTransaction) other.prepare('ROLLBACK').run();
    other?.close();
    await app?.stop();
  });

  const token = () => fetch(`${app.url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${clientAuth}` });

  it('a write answers 503 (temporarily_unavailable on OAuth, ERR_DATABASE_UNAVAILABLE elsewhere) while the lock is held, 200 after', async () => {
    expect((await token()).status).toBe(200);
    other.prepare('BEGIN IMMEDIATE').run(); // holds the write lock
    try {
      const started = Date.now();
      const refused = await token();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(Date.now() - started).toBeLessThan(15_000); // the 5 s busy timeout, then the answer

      const api = await fetch(`${app.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: user.headers });
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: 'ERR_DATABASE_UNAVAILABLE' });
    } finally {
      other.prepare('ROLLBACK').run();
    }
    expect((await token()).status).toBe(200);
  }, 60_000);
});
