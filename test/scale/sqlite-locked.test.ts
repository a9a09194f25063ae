// SQLite locked by another process past the busy timeout (a backup, a stuck script): a write answers 503 with
// Retry-After and a stable code, not 500, and the gateway writes again once the lock is gone.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createLogger } from '../../src/server/index.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('SQLite locked by another process', () => {
  let app: TestApp;
  let user: TestUser;
  let clientAuth: string;
  let other: SQLite.Database;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    app = await startTestApp('sqlite', {}, [], createLogger('info', stream as never));
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
    // logged as the database's state (a warning, no stack), not as a failed request (an error with its stack)
    const unavailable = lines.filter((l) => l.msg === 'database unavailable: answered 503');
    expect(unavailable.length).toBeGreaterThanOrEqual(2);
    expect(
      unavailable.every((l) => l.level === 40 && l.cause === 'SQLITE_BUSY' && !('err' in l) && !JSON.stringify(l).includes('    at ')),
    ).toBe(true);
    expect(lines.filter((l) => l.msg === 'request failed')).toEqual([]);
  }, 60_000);
});
