import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

/**
 * Pages are for the browser session. A bearer token (which is exempt from CSRF) with a narrow scope must not
 * reach the page forms, which check no scope: otherwise an `mcp`-only token could remove passkeys, rewrite the
 * profile, log out every session or read the whole access log.
 */
describe.each(dialects)('account pages refuse bearer tokens on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
    const res = await fetch(`${app.url}/api/v1/me/tokens`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'narrow', scopes: ['mcp'] }),
    });
    token = (await res.json()).token;
  });
  afterAll(() => app.stop());

  const post = (path: string, body: string, extra: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', ...extra },
      body,
      redirect: 'manual',
    });

  it('a narrow API token cannot change the profile through the page form', async () => {
    const res = await post('/account/profile', 'username=pwned');
    expect(res.status).toBe(403);
    const me = await (await fetch(`${app.url}/api/v1/me`, { headers: { cookie: user.cookie } })).json();
    expect(me.username ?? null).toBeNull();
  });

  it("nor log out the person's sessions, nor read the access log, even with a session cookie of someone else", async () => {
    const other = await createTestUser(app);
    const res = await post('/account/sessions/revoke-others', '', { cookie: other.cookie });
    expect(res.status).toBe(403);
    const live = await app.ctx.db
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', user.sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toHaveLength(1);
    const log = await fetch(`${app.url}/account/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/html' },
      redirect: 'manual',
    });
    expect(log.status).toBe(403);
  });

  it('the session still uses the pages', async () => {
    const res = await fetch(`${app.url}/account/events`, { headers: { cookie: user.cookie } });
    expect(res.status).toBe(200);
  });
});
