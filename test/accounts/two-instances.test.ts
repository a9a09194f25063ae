import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { createSession } from '../../src/accounts/index.js';

describe('sessions across two instances sharing one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp('postgres');
    // one deployment: same database, master key and public URL (the issuer); B listens on its own port
    b = await startTestApp('postgres', { databaseUrl: a.config.databaseUrl, masterKey: a.config.masterKey, publicUrl: a.config.publicUrl });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a session from one instance works on the other, and "log out other devices" on one is refused by the other', async () => {
    const u = await createTestUser(a);
    const phone = await a.ctx.db
      .transaction()
      .execute((trx) => createSession(a.ctx, trx, { userId: u.userId, meta: { ip: null, userAgent: 'phone' }, via: 'test' }));
    const onB = (token: string) => fetch(`http://127.0.0.1:${b.config.port}/api/v1/me`, { headers: { cookie: `oauth3_session=${token}` } });
    expect((await onB(phone.token)).status).toBe(200);
    const res = await fetch(`${a.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: u.headers });
    expect((await res.json()).revoked).toEqual([phone.sessionId]);
    await new Promise((r) => setTimeout(r, 20)); // NOTIFY delivery between instances (far below the 1 s poll)
    expect((await onB(phone.token)).status).toBe(401);
    expect((await onB(u.token)).status).toBe(200);
  });
});
