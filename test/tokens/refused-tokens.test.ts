import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { advanceClock } from '../oauth/support/oauth-helpers.js';
import { issueAccessToken } from '../support/tokens.js';

describe.each(dialects)("refused genuine bearer tokens reach their person's access log on %s", (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const list = (token: string) => fetch(`${app.url}/api/v1/me/tokens`, { headers: { authorization: `Bearer ${token}` } });
  const rejected = async () => {
    await app.ctx.audit.flush();
    return app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'token.rejected')
      .where('user_id', '=', user.userId)
      .orderBy('id')
      .execute();
  };

  it("audits a revoked token's use once a minute per token, with its IP; forged tokens name nobody and are not logged", async () => {
    const created = await (
      await fetch(`${app.url}/api/v1/me/tokens`, {
        method: 'POST',
        headers: { ...user.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'agent', scopes: ['tokens.manage'] }),
      })
    ).json();
    expect((await list(created.token)).status).toBe(200);
    expect((await fetch(`${app.url}/api/v1/me/tokens/${created.id}`, { method: 'DELETE', headers: user.headers })).status).toBe(204);
    for (let i = 0; i < 3; i++) expect((await list(created.token)).status).toBe(401);
    const once = await rejected();
    expect(once).toHaveLength(1);
    expect(once[0]).toMatchObject({
      result: 'failure',
      actor_type: 'user',
      actor_id: user.userId,
      target_type: 'api_token',
      target_id: created.id,
      ip: '127.0.0.1',
    });
    expect(JSON.parse(once[0].detail)).toEqual({ reason: 'token revoked' });
    expect(JSON.stringify(once)).not.toContain(created.token);

    for (const forged of ['o3p_' + 'A'.repeat(49), 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 'garbage'])
      expect((await list(forged)).status).toBe(401);
    expect(await rejected()).toHaveLength(1);

    const clock = advanceClock(61_000);
    try {
      expect((await list(created.token)).status).toBe(401);
    } finally {
      clock.restore();
    }
    expect(await rejected()).toHaveLength(2);
  });

  it('audits a genuine access token presented to another resource', async () => {
    const { token, jti } = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: 'c-some-agent',
      scopes: ['tokens.manage'],
      audience: ['https://mcp.example.com/mcp'],
      ttl: 300,
    });
    const res = await list(token);
    expect(res.status).toBe(401);
    expect((await res.json()).error_description).toBe('token audience is another resource');
    const events = (await rejected()).filter((e) => e.target_id === jti);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'client', actor_id: 'c-some-agent', target_type: 'access_token' });
    expect(JSON.parse(events[0].detail)).toEqual({ reason: 'token audience is another resource' });
  });
});
