import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { delegate, postJson, registerAgent } from './agent-helpers.js';

describe.each(dialects)('agents and delegation on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect, { delegationMaxTtl: 7200 });
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  let made = 0;
  const apiToken = async (scopes: string[]) => {
    // Two live tokens of one person may not share a name.
    const res = await postJson(app, '/api/v1/me/tokens', user.headers, { name: `${scopes.join('+')} #${++made}`, scopes });
    if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
    return { authorization: `Bearer ${res.body.token}` };
  };

  it('registers an agent as an OAuth client owned by the person (session or API token with agents.manage)', async () => {
    const a = await postJson(app, '/register_agent', user.headers, { name: 'mail bot', scopes: ['mcp', 'profile'] });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'mail bot', scopes: ['mcp', 'profile'] });
    expect(a.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await app.ctx.db.selectFrom('oauth_clients').selectAll().where('id', '=', a.body.client_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: 'agent', owner_user_id: user.userId, scope: 'mcp profile' });
    expect(row.secret_hash).not.toBe(a.body.client_secret);
    const viaToken = await postJson(app, '/register_agent', await apiToken(['agents.manage', 'mcp']), { name: 'cli', scopes: ['mcp'] });
    expect(viaToken.status).toBe(201);
  });

  it('refuses registration without agents.manage, with unknown scopes, or with scopes the token cannot grant', async () => {
    expect((await postJson(app, '/register_agent', {}, { name: 'x', scopes: ['mcp'] })).status).toBe(401);
    const noScope = await postJson(app, '/register_agent', await apiToken(['mcp']), { name: 'x', scopes: ['mcp'] });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toBe('insufficient_scope');
    expect((await postJson(app, '/register_agent', user.headers, { name: 'x', scopes: ['nope'] })).status).toBe(400);
    const wider = await postJson(app, '/register_agent', await apiToken(['agents.manage']), { name: 'x', scopes: ['mcp'] });
    expect(wider.status).toBe(403);
    expect(wider.body.message).toBe('you cannot grant scope: mcp');
    expect(
      (await postJson(app, '/register_agent', user.headers, { name: 'x', scopes: ['mcp'], redirect_uris: ['javascript:alert(1)'] })).status,
    ).toBe(400);
  });

  it('delegates: an RFC 9068 access token with the agent as client_id, default 1 hour, accepted by the one verifier', async () => {
    const agent = await registerAgent(app, user, 'reader', ['mcp', 'profile']);
    const d = await delegate(app, user, agent.client_id, ['mcp']);
    expect(d.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(3590);
    expect(d.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(3600);
    const p = await app.ctx.tokens.verify(d.delegation_token, { audience: app.url });
    expect(p).toMatchObject({ kind: 'access', userId: user.userId, clientId: agent.client_id, scopes: ['mcp'] });
    const [header] = d.delegation_token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString()).typ).toBe('at+jwt');
    const v = await postJson(app, '/validate_delegation', {}, { delegation_token: d.delegation_token });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({
      valid: true,
      user_id: user.userId,
      agent_id: agent.client_id,
      scopes: ['mcp'],
      expires_at: d.expires_at,
    });
  });

  it('refuses scopes the agent was not registered for', async () => {
    const agent = await registerAgent(app, user, 'narrow', ['mcp']);
    const res = await postJson(app, '/delegate', user.headers, {
      user_id: user.userId,
      agent_id: agent.client_id,
      scopes: ['mcp', 'profile'],
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'ERR_AGENTS_SCOPE_NOT_REGISTERED', message: 'the agent is not registered for scope: profile' });
    // told apart by the code from a scope the person cannot grant at all
    const notYours = await postJson(app, '/delegate', user.headers, {
      user_id: user.userId,
      agent_id: agent.client_id,
      scopes: ['no.such.scope'],
    });
    expect(notYours.body.error).toBe('ERR_SCOPES_UNKNOWN');
  });

  it('refuses delegating for another user, and an unknown agent', async () => {
    const other = await createTestUser(app);
    const agent = await registerAgent(app, user, 'x', ['mcp']);
    const res = await postJson(app, '/delegate', user.headers, { user_id: other.userId, agent_id: agent.client_id, scopes: ['mcp'] });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'ERR_AGENTS_OWN_RIGHTS_ONLY' });
    expect(res.body.message).toContain('only delegate your own rights');
    const unknown = await postJson(app, '/delegate', user.headers, { user_id: user.userId, agent_id: 'c-nope', scopes: ['mcp'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('ERR_AGENTS_NOT_FOUND');
  });

  it('limits the lifetime to the configured maximum', async () => {
    const agent = await registerAgent(app, user, 'ttl', ['mcp']);
    const res = await postJson(app, '/delegate', user.headers, {
      user_id: user.userId,
      agent_id: agent.client_id,
      scopes: ['mcp'],
      expires_in: 7201,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('from 1 to 7200');
    const ok = await delegate(app, user, agent.client_id, ['mcp'], { expires_in: 60 });
    expect(ok.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(60);
  });

  it('through an API token: needs `delegate`, and only the scopes that token carries', async () => {
    const agent = await registerAgent(app, user, 'via token', ['mcp', 'profile']);
    const without = await postJson(app, '/delegate', await apiToken(['mcp']), {
      user_id: user.userId,
      agent_id: agent.client_id,
      scopes: ['mcp'],
    });
    expect(without.status).toBe(403);
    expect(without.body.error).toBe('insufficient_scope');
    const t = await apiToken(['delegate', 'mcp']);
    expect((await postJson(app, '/delegate', t, { user_id: user.userId, agent_id: agent.client_id, scopes: ['mcp'] })).status).toBe(201);
    const wider = await postJson(app, '/delegate', t, { user_id: user.userId, agent_id: agent.client_id, scopes: ['profile'] });
    expect(wider.status).toBe(403);
    expect(wider.body.message).toBe('you cannot grant scope: profile');
  });

  it('a delegated token cannot delegate further through /delegate (only token exchange, depth-limited)', async () => {
    const agent = await registerAgent(app, user, 'sneaky', ['delegate', 'mcp']);
    const d = await delegate(app, user, agent.client_id, ['delegate', 'mcp']);
    const res = await postJson(
      app,
      '/delegate',
      { authorization: `Bearer ${d.delegation_token}` },
      { user_id: user.userId, agent_id: agent.client_id, scopes: ['mcp'] },
    );
    expect(res.status).toBe(403);
  });

  it('a delegated token cannot mint a personal API token (it would outlive the delegation and escape its revocation)', async () => {
    const agent = await registerAgent(app, user, 'minter', ['tokens.manage']);
    const d = await delegate(app, user, agent.client_id, ['tokens.manage']);
    const res = await postJson(
      app,
      '/api/v1/me/tokens',
      { authorization: `Bearer ${d.delegation_token}` },
      { name: 'escape', scopes: ['tokens.manage'] },
    );
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('use your session or a personal API token');
  });

  it('a token made with an API token never outlives it', async () => {
    const short = await postJson(app, '/api/v1/me/tokens', user.headers, { name: 'short', scopes: ['tokens.manage'], expires_in_days: 1 });
    const made = await postJson(
      app,
      '/api/v1/me/tokens',
      { authorization: `Bearer ${short.body.token}` },
      { name: 'child', scopes: ['tokens.manage'], expires_in_days: 30 },
    );
    expect(made.status).toBe(201);
    expect(made.body.expiresAt).toBe(Math.floor(short.body.expiresAt / 1000) * 1000);
  });

  it('answers invalid, tampered, expired and revoked tokens with valid: false and a reason, never a 5xx', async () => {
    const agent = await registerAgent(app, user, 'short', ['mcp']);
    const check = async (token: unknown) => postJson(app, '/validate_delegation', {}, { delegation_token: token });
    for (const [token, reason] of [
      [undefined, 'delegation_token is missing'],
      ['garbage', 'token rejected: malformed'],
      [42, 'token rejected: malformed'],
    ] as const) {
      const r = await check(token);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ valid: false, reason });
    }
    const d = await delegate(app, user, agent.client_id, ['mcp']);
    const [h, p, s] = d.delegation_token.split('.');
    const forged = JSON.parse(Buffer.from(p, 'base64url').toString());
    forged.scope = 'mcp profile';
    expect((await check(`${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`)).body).toEqual({
      valid: false,
      reason: 'token rejected: signature',
    });
    const api = await postJson(app, '/api/v1/me/tokens', user.headers, { name: 'not a delegation', scopes: ['mcp'] });
    expect((await check(api.body.token)).body).toEqual({ valid: false, reason: 'a api_token token is not accepted here' });

    const revoked = await postJson(app, '/revoke_delegation', {}, { delegation_token: d.delegation_token });
    expect(revoked).toEqual({ status: 200, body: { status: 'revoked' } });
    expect((await check(d.delegation_token)).body).toEqual({ valid: false, reason: 'token revoked' });
    const used = await fetch(`${app.url}/api/v1/me/agents`, { headers: { authorization: `Bearer ${d.delegation_token}` } });
    expect(used.status).toBe(401);
    expect((await postJson(app, '/revoke_delegation', {}, { delegation_token: 'garbage' })).status).toBe(400);

    const brief = await delegate(app, user, agent.client_id, ['mcp'], { expires_in: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    expect((await check(brief.delegation_token)).body).toEqual({ valid: false, reason: 'token expired' });
  });
});
