import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { revokeApiKey, vaultOf } from '../../src/vault/index.js';
import { newApiKey, serverApi } from './server-api-helpers.js';

/**
 * The vault's server API (issue 15, "Serving credentials"), over loopback against a real gateway, with real upstream
 * tokens from node-oidc-provider: a server with a vault API key gets a person's fresh upstream token only when that
 * person allowed it; every way it cannot is a distinct code that says how to go on.
 */
describe.each(dialects)('the vault server API (%s)', (dialect) => {
  let upstream: UpstreamOidc;
  let app: TestApp;
  let mcp: { id: string; key: string; server: string }; // the server the people below allowed
  let other: { id: string; key: string; server: string }; // a server nobody allowed
  let logins = 0;

  beforeAll(async () => {
    upstream = await startUpstreamOidc({ accessTokenTtl: 120 });
    app = await startTestApp(dialect, {
      providers: [
        upstream.providerEntry(),
        { preset: 'github', client_id: 'gh-client', client_secret: 'gh-secret' },
        { preset: 'http_api_key' },
      ],
    });
    mcp = await newApiKey(app, 'Calendar MCP');
    other = await newApiKey(app, 'Someone else');
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await upstream?.stop();
  });

  /** A person connected to the upstream (their own upstream login), who allowed `servers`; with an email when asked. */
  const person = async (o: { allow?: string[]; email?: string; connect?: boolean } = {}) => {
    const { userId } = await createTestUser(app);
    if (o.email) await app.ctx.db.updateTable('users').set({ email: o.email }).where('id', '=', userId).execute();
    const connected = o.connect === false ? undefined : await connectUpstream(app, userId, upstream, { login: `person${++logins}` });
    for (const server of o.allow ?? [mcp.server]) await vaultOf(app.ctx).allow(userId, 'upstream', server);
    return { userId, login: `person${logins}`, ...connected };
  };
  const token = (key: string, body: unknown, header?: 'bearer' | 'x-api-key') =>
    serverApi(app, 'POST', '/auth/token', { key, body, header });

  it('POST /auth/token gives an allowed server the upstream token, which the upstream accepts at its userinfo', async () => {
    const p = await person({ email: 'ada@example.com' });
    const byId = await token(mcp.key, { user_id: p.userId, provider: 'upstream' });
    expect(byId.status, JSON.stringify(byId.body)).toBe(200);
    expect(byId.body).toEqual({
      access_token: p.tokens!.access_token,
      token_type: 'Bearer',
      expires_at: expect.any(Number),
      scope: expect.any(String),
    });
    expect(byId.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 60);
    expect(byId.body.expires_at).toBeLessThanOrEqual(Date.now() / 1000 + 121);
    expect(byId.body.scope.split(' ')).toContain('openid');
    expect(byId.headers.get('cache-control')).toBe('no-store');
    const me = await fetch(`${upstream.issuer}/me`, { headers: { authorization: `Bearer ${byId.body.access_token}` } });
    expect([me.status, (await me.json()).sub]).toEqual([200, p.login]);

    // by the profile's email (any case), and with X-API-Key instead of Authorization
    const byEmail = await token(mcp.key, { email: 'ADA@example.com', provider: 'upstream' }, 'x-api-key');
    expect([byEmail.status, byEmail.body.access_token]).toEqual([200, byId.body.access_token]);

    // the person's access log names the server by its name
    await app.ctx.audit.flush();
    await expect
      .poll(async () =>
        app.ctx.db
          .selectFrom('audit_events')
          .select(['actor_id', 'detail'])
          .where('action', '=', 'vault.token_served')
          .where('user_id', '=', p.userId)
          .execute(),
      )
      .toHaveLength(2);
    const events = await app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'vault.token_served')
      .where('user_id', '=', p.userId)
      .execute();
    expect(events.map((e) => e.actor_id)).toEqual([mcp.server, mcp.server]);
    expect(JSON.stringify(events)).toContain('Calendar MCP');
    expect(JSON.stringify(events)).not.toContain(byId.body.access_token);
  });

  it('min_ttl: a token that would expire sooner is refreshed first, once; one that lasts long enough is served as it is', async () => {
    const p = await person();
    await app.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() + 30_000, refreshed_at: Date.now() - 90_000 }) // got a while ago, 30 s left
      .where('id', '=', p.connectionId!)
      .execute();
    const before = upstream.tokenRequests('refresh_token');
    const enough = await token(mcp.key, { user_id: p.userId, provider: 'upstream', min_ttl: 20 });
    expect([enough.body.access_token, upstream.tokenRequests('refresh_token')]).toEqual([p.tokens!.access_token, before]);
    const fresh = await token(mcp.key, { user_id: p.userId, provider: 'upstream', min_ttl: 60 });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.access_token).not.toBe(p.tokens!.access_token);
    expect(fresh.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 60);
    expect(upstream.tokenRequests('refresh_token')).toBe(before + 1);
    const me = await fetch(`${upstream.issuer}/me`, { headers: { authorization: `Bearer ${fresh.body.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('refuses a request without a valid key: none, another scheme, a bad checksum, another prefix, a revoked key, two keys that differ, an unknown key', async () => {
    const p = await person();
    const body = { user_id: p.userId, provider: 'upstream' };
    const flipped = mcp.key.slice(0, -1) + (mcp.key.endsWith('A') ? 'B' : 'A');
    const revoked = await newApiKey(app, 'Revoked');
    await vaultOf(app.ctx).allow(p.userId, 'upstream', revoked.server);
    expect((await token(revoked.key, body)).status).toBe(200);
    expect(await revokeApiKey(app.ctx, revoked.id)).toBe('revoked');
    const cases: Array<[string, Promise<{ status: number; body: any; headers: Headers }>, RegExp]> = [
      ['none', serverApi(app, 'POST', '/auth/token', { body }), /no API key sent/],
      ['basic', serverApi(app, 'POST', '/auth/token', { body, headers: { authorization: 'Basic YTpi' } }), /no API key sent/],
      ['checksum', token(flipped, body), /bad shape or checksum/],
      ['not o3k', token(`o3p_${mcp.key.slice(4)}`, body), /bad shape or checksum/],
      ['revoked', token(revoked.key, body), /API key revoked/],
      ['two', serverApi(app, 'POST', '/auth/token', { key: mcp.key, body, headers: { 'x-api-key': other.key } }), /no API key sent/],
    ];
    for (const [name, answer, message] of cases) {
      const r = await answer;
      expect([name, r.status, r.body.error], JSON.stringify(r.body)).toEqual([name, 401, 'ERR_VAULT_BAD_API_KEY']);
      expect(r.body.message).toMatch(message);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="oauth3 vault"');
      expect(JSON.stringify(r.body)).not.toContain(p.tokens!.access_token);
    }
    // a well-formed key that was never issued (right checksum) is looked up and not found
    const { vaultApiKeyFormat } = await import('../../src/vault/server-api/api-key-format.js');
    const never = await token(vaultApiKeyFormat.generate(), body);
    expect([never.status, never.body.message]).toEqual([401, expect.stringMatching(/unknown API key/)]);
  });

  it('403 for a server the person did not allow (no confused deputy), saying nothing of the connection', async () => {
    const p = await person();
    const r = await token(other.key, { user_id: p.userId, provider: 'upstream' });
    expect([r.status, r.body.error]).toEqual([403, 'ERR_VAULT_NOT_ALLOWED']);
    expect(r.body.details.init).toEqual({ method: 'POST', url: `${app.url}/auth/init`, body: { user_id: p.userId, provider: 'upstream' } });
    expect(JSON.stringify(r.body)).not.toContain(p.tokens!.access_token);
    // a person who connected nothing and allowed nothing looks the same to that server
    const nobody = await person({ connect: false, allow: [] });
    const same = await token(other.key, { user_id: nobody.userId, provider: 'upstream' });
    expect([same.status, same.body.error]).toEqual([403, 'ERR_VAULT_NOT_ALLOWED']);
  });

  it('a key limited to some providers gets 403 for the others', async () => {
    const p = await person();
    const limited = await newApiKey(app, 'GitHub only', ['github']);
    await vaultOf(app.ctx).allow(p.userId, 'upstream', limited.server); // even allowed by the person
    const r = await token(limited.key, { user_id: p.userId, provider: 'upstream' });
    expect([r.status, r.body.error, r.body.message]).toEqual([403, 'ERR_VAULT_API_KEY_PROVIDER', 'This API key may ask only for: github.']);
    const init = await serverApi(app, 'POST', '/auth/init', { key: limited.key, body: { user_id: p.userId, provider: 'upstream' } });
    expect([init.status, init.body.error]).toEqual([403, 'ERR_VAULT_API_KEY_PROVIDER']);
  });

  it('404 for an unknown person, provider or connection; 400 for bad input, each saying what is wrong', async () => {
    const p = await person({ connect: false });
    const cases: Array<[unknown, number, string, RegExp?]> = [
      [{ user_id: 'usr_nobody', provider: 'upstream' }, 404, 'ERR_VAULT_UNKNOWN_PERSON'],
      [{ email: 'nobody@example.com', provider: 'upstream' }, 404, 'ERR_VAULT_UNKNOWN_PERSON'],
      [{ user_id: p.userId, provider: 'gitlab' }, 404, 'ERR_VAULT_UNKNOWN_PROVIDER', /No provider "gitlab"/],
      [{ user_id: p.userId, provider: 'upstream' }, 404, 'ERR_VAULT_NOT_CONNECTED'],
      [{ user_id: p.userId, email: 'a@example.com', provider: 'upstream' }, 400, 'ERR_VALIDATION', /not both/],
      [{ provider: 'upstream' }, 400, 'ERR_VALIDATION', /user_id \(preferred\) or email/],
      [{ user_id: p.userId }, 400, 'ERR_VALIDATION', /provider/],
      [{ user_id: p.userId, provider: 'Not An Id' }, 400, 'ERR_VALIDATION', /provider/],
      [{ user_id: p.userId, provider: 'upstream', min_ttl: -1 }, 400, 'ERR_VALIDATION', /min_ttl/],
      [{ user_id: p.userId, provider: 'upstream', min_ttl: 'soon' }, 400, 'ERR_VALIDATION', /min_ttl/],
      [{ user_id: 'x'.repeat(500), provider: 'upstream' }, 400, 'ERR_VALIDATION', /user_id/],
      [[1, 2], 400, 'ERR_VALIDATION'],
      // control characters (NUL is refused before any route, as PostgreSQL text cannot hold it)
      [{ user_id: 'usr_\u0001', provider: 'upstream' }, 400, 'ERR_VALIDATION', /user_id/],
      [{ email: 'a\u0001@example.com', provider: 'upstream' }, 400, 'ERR_VALIDATION', /email/],
      [{ user_id: 'usr_\u0000', provider: 'upstream' }, 400, 'ERR_BAD_REQUEST', /NUL/],
    ];
    for (const [body, status, error, message] of cases) {
      const r = await token(mcp.key, body);
      expect([JSON.stringify(body).slice(0, 60), r.status, r.body.error]).toEqual([JSON.stringify(body).slice(0, 60), status, error]);
      if (message) expect(r.body.message).toMatch(message);
    }
    const notConnected = await token(mcp.key, { user_id: p.userId, provider: 'upstream' });
    expect(notConnected.body.details.init.body).toEqual({ user_id: p.userId, provider: 'upstream' });
    const notJson = await fetch(`${app.url}/auth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcp.key}`, 'content-type': 'application/json' },
      body: '{"user_id":',
    });
    expect([notJson.status, (await notJson.json()).error]).toEqual([400, 'ERR_INVALID_JSON']);
  });

  it('424 when the upstream refused the stored authorization, with the /auth/init call that starts it again', async () => {
    const p = await person();
    expect(await upstream.revokeGrants(p.login)).toBeGreaterThan(0);
    await app.ctx.db.updateTable('vault_connections').set({ expires_at: Date.now() }).where('id', '=', p.connectionId!).execute();
    const r = await token(mcp.key, { user_id: p.userId, provider: 'upstream' });
    expect([r.status, r.body.error]).toEqual([424, 'ERR_VAULT_NEEDS_REAUTH']);
    expect(r.body.details).toEqual({
      provider: 'upstream',
      init: { method: 'POST', url: `${app.url}/auth/init`, body: { user_id: p.userId, provider: 'upstream' } },
    });
    const before = upstream.tokenRequests('refresh_token');
    expect((await token(mcp.key, { user_id: p.userId, provider: 'upstream' })).status).toBe(424); // never retried
    expect(upstream.tokenRequests('refresh_token')).toBe(before);
  });

  it('503 with Retry-After while the upstream is down and the token is spent', async () => {
    const p = await person();
    await app.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', p.connectionId!)
      .execute();
    upstream.failTokenEndpoint(10_000);
    try {
      const r = await token(mcp.key, { user_id: p.userId, provider: 'upstream' });
      expect([r.status, r.body.error]).toEqual([503, 'ERR_VAULT_UPSTREAM_UNAVAILABLE']);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      const again = await token(mcp.key, { user_id: p.userId, provider: 'upstream' }); // backing off: not asked again
      expect([again.status, Number(again.headers.get('retry-after')) > 0]).toEqual([503, true]);
    } finally {
      upstream.restore();
    }
  });

  it('a key provider answers the entered key as access_token, token_type api_key, with every field in values', async () => {
    const { userId } = await createTestUser(app);
    await vaultOf(app.ctx).store({
      userId,
      provider: 'http_api_key',
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'sk-entered-by-the-person' } },
      expiresAt: null,
    });
    await vaultOf(app.ctx).allow(userId, 'http_api_key', mcp.server);
    const r = await token(mcp.key, { user_id: userId, provider: 'http_api_key' });
    expect([r.status, r.body]).toEqual([
      200,
      {
        access_token: 'sk-entered-by-the-person',
        token_type: 'api_key',
        expires_at: null,
        scope: '',
        values: { api_key: 'sk-entered-by-the-person' },
      },
    ]);
  });

  it('POST /auth/init makes a connect link; GET /auth/status answers only the key that started it', async () => {
    const p = await person({ connect: false, allow: [], email: 'grace@example.com' });
    const init = await serverApi(app, 'POST', '/auth/init', {
      key: mcp.key,
      body: { email: 'grace@example.com', provider: 'upstream', scopes: ['openid', 'email'] },
    });
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    expect(init.body).toEqual({
      session_id: expect.any(String),
      auth_url: `${app.url}/auth/connect/${init.body.session_id}`,
      expires_at: expect.any(Number),
    });
    expect(init.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(init.body.expires_at).toBeLessThanOrEqual(Date.now() / 1000 + 600);
    const row = await app.ctx.db
      .selectFrom('vault_connect_sessions')
      .selectAll()
      .where('id', '=', init.body.session_id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: p.userId, provider: 'upstream', scopes: 'openid email', api_key_id: mcp.id, status: 'pending' });
    const spaced = await serverApi(app, 'POST', '/auth/init', {
      key: mcp.key,
      body: { user_id: p.userId, provider: 'upstream', scopes: 'openid  email' },
    });
    expect(spaced.status).toBe(200);

    const status = (key: string, id = init.body.session_id) => serverApi(app, 'GET', `/auth/status/${encodeURIComponent(id)}`, { key });
    expect((await status(mcp.key)).body).toEqual({ status: 'pending', provider: 'upstream' });
    for (const r of [await status(other.key), await status(mcp.key, 'cs_unknown')])
      expect([r.status, r.body.error]).toEqual([404, 'ERR_VAULT_SESSION_NOT_FOUND']);
    expect((await status(mcp.key, 'cs_\u0001')).body.error).toBe('ERR_VALIDATION');
    expect((await serverApi(app, 'GET', '/auth/providers/a%01b@example.com', { key: mcp.key })).body.error).toBe('ERR_VALIDATION');
    expect((await serverApi(app, 'GET', `/auth/status/${init.body.session_id}`)).status).toBe(401);

    await app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ status: 'complete', account: 'grace@upstream.test', completed_at: Date.now() })
      .where('id', '=', init.body.session_id)
      .execute();
    expect((await status(mcp.key)).body).toEqual({
      status: 'complete',
      user_id: p.userId,
      provider: 'upstream',
      account: 'grace@upstream.test',
    });
    await app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', spaced.body.session_id)
      .execute();
    expect((await status(mcp.key, spaced.body.session_id)).body).toEqual({ status: 'expired', provider: 'upstream' });

    // a session the person started on their Connections page is no server's to see
    await app.ctx.db.updateTable('vault_connect_sessions').set({ api_key_id: null }).where('id', '=', init.body.session_id).execute();
    expect((await status(mcp.key)).status).toBe(404);

    for (const [body, code] of [
      [{ user_id: 'usr_nobody', provider: 'upstream' }, 'ERR_VAULT_UNKNOWN_PERSON'],
      [{ user_id: p.userId, provider: 'gitlab' }, 'ERR_VAULT_UNKNOWN_PROVIDER'],
      [{ user_id: p.userId, provider: 'upstream', scopes: { openid: true } }, 'ERR_VALIDATION'],
      [{ user_id: p.userId, provider: 'upstream', scopes: ['openid', 'e\u0001mail'] }, 'ERR_VALIDATION'],
      [{ user_id: p.userId, provider: 'upstream', scopes: 'openid "email"' }, 'ERR_VALIDATION'],
    ] as const) {
      expect((await serverApi(app, 'POST', '/auth/init', { key: mcp.key, body })).body.error).toBe(code);
    }
  });

  it('GET /auth/providers/{email} lists only the connections the person allowed this server, with no secret', async () => {
    const p = await person({ email: 'lin@example.com' });
    await vaultOf(app.ctx).store({
      userId: p.userId,
      provider: 'http_api_key',
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'sk-not-for-this-server' } },
      expiresAt: null,
    }); // connected, but not allowed for mcp
    const list = await serverApi(app, 'GET', '/auth/providers/lin@example.com', { key: mcp.key });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body).toEqual({
      user_id: p.userId,
      providers: [
        {
          provider: 'upstream',
          name: 'Upstream',
          account: expect.any(String),
          scopes: expect.stringContaining('openid'),
          status: 'active',
          expires_at: expect.any(Number),
          connected_at: expect.any(Number),
          last_used_at: null,
        },
      ],
    });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(p.tokens!.access_token);
    expect(text).not.toContain('sk-not-for-this-server');
    expect((await serverApi(app, 'GET', `/auth/providers/${p.userId}`, { key: mcp.key })).body).toEqual(list.body);
    expect((await serverApi(app, 'GET', '/auth/providers/lin@example.com', { key: other.key })).body).toEqual({
      user_id: p.userId,
      providers: [],
    });
    const limited = await newApiKey(app, 'GitHub only', ['github']);
    await vaultOf(app.ctx).allow(p.userId, 'upstream', limited.server);
    expect((await serverApi(app, 'GET', `/auth/providers/${p.userId}`, { key: limited.key })).body.providers).toEqual([]);
    const unknown = await serverApi(app, 'GET', '/auth/providers/nobody@example.com', { key: mcp.key });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'ERR_VAULT_UNKNOWN_PERSON']);
    expect((await serverApi(app, 'GET', '/auth/providers/lin@example.com')).status).toBe(401);
  });

  it('DELETE /auth/revoke disconnects (revoking upstream) only for an allowed server, audited', async () => {
    const p = await person({ email: 'max@example.com' });
    const refused = await serverApi(app, 'DELETE', '/auth/revoke', {
      key: other.key,
      body: { email: 'max@example.com', provider: 'upstream' },
    });
    expect([refused.status, refused.body.error]).toEqual([403, 'ERR_VAULT_NOT_ALLOWED']);
    expect(await vaultOf(app.ctx).connection(p.userId, 'upstream')).toBeDefined();

    const revocations = upstream.counts.revocation;
    const r = await serverApi(app, 'DELETE', '/auth/revoke', { key: mcp.key, body: { email: 'max@example.com', provider: 'upstream' } });
    expect([r.status, r.body]).toEqual([200, { provider: 'upstream', disconnected: true, revoked_upstream: true }]);
    expect(await vaultOf(app.ctx).connection(p.userId, 'upstream')).toBeUndefined();
    expect(upstream.counts.revocation).toBe(revocations + 1);
    const event = await app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'vault.disconnected')
      .where('user_id', '=', p.userId)
      .executeTakeFirstOrThrow();
    expect([event.actor_type, event.actor_id]).toEqual(['client', mcp.server]);
    // the allowance went with the connection: the token and a second revoke are refused
    expect((await token(mcp.key, { user_id: p.userId, provider: 'upstream' })).status).toBe(403);
    expect(
      (await serverApi(app, 'DELETE', '/auth/revoke', { key: mcp.key, body: { user_id: p.userId, provider: 'upstream' } })).status,
    ).toBe(403);
    const bad = await serverApi(app, 'DELETE', '/auth/revoke', { key: mcp.key, body: { provider: 'upstream' } });
    expect([bad.status, bad.body.error]).toEqual([400, 'ERR_VALIDATION']);
  });

  it('an allowed server whose person has no such connection any more gets 404 on revoke', async () => {
    const p = await person({ connect: false });
    const r = await serverApi(app, 'DELETE', '/auth/revoke', { key: mcp.key, body: { user_id: p.userId, provider: 'upstream' } });
    expect([r.status, r.body.error]).toEqual([404, 'ERR_VAULT_NOT_CONNECTED']);
  });

  it('/docs documents every route of the server API', async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json();
    for (const [path, method] of [
      ['/auth/init', 'post'],
      ['/auth/status/{session_id}', 'get'],
      ['/auth/token', 'post'],
      ['/auth/providers/{person}', 'get'],
      ['/auth/revoke', 'delete'],
    ]) {
      expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toEqual(expect.any(String));
    }
    expect(Object.keys(doc.paths['/auth/token'].post.responses)).toEqual(expect.arrayContaining(['200', '403', '404', '424', '503']));
  });
});

describe('failed API-key authentications are limited per address', () => {
  let app: TestApp;
  beforeAll(async () => {
    // the limiter is the authorization server's, in memory: the database plays no part (SQLite only)
    app = await startTestApp('sqlite', {
      providers: [{ preset: 'http_api_key' }],
      oauthClientAuthFailuresPerAddress: 3,
      oauthClientAuthFailureWindow: 60,
    });
  });
  afterAll(() => app?.stop());

  it('past the limit every attempt from the address gets 429 with Retry-After, even with a good key', async () => {
    const good = await newApiKey(app, 'good');
    const { userId } = await createTestUser(app);
    const body = { user_id: userId, provider: 'http_api_key' };
    expect((await serverApi(app, 'POST', '/auth/token', { key: good.key, body })).status).toBe(403); // authenticated: not allowed
    for (let i = 0; i < 3; i++) expect((await serverApi(app, 'POST', '/auth/token', { key: 'o3k_guess', body })).status).toBe(401);
    const limited = await serverApi(app, 'POST', '/auth/token', { key: good.key, body });
    expect([limited.status, limited.body.error]).toEqual([429, 'ERR_RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await serverApi(app, 'GET', '/auth/providers/x@example.com', { key: good.key })).status).toBe(429);
  });
});

describe('behind a public URL with a path', () => {
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    // the path is a URL concern, not a storage one: SQLite only
    app = await startTestApp('sqlite', { port, publicUrl: `http://localhost:${port}/gw`, providers: [{ preset: 'http_api_key' }] });
  });
  afterAll(() => app?.stop());

  it('serves the API under the path and keeps it in auth_url and in the way forward', async () => {
    const key = await newApiKey(app, 'Prefixed');
    const { userId } = await createTestUser(app);
    expect(app.url).toMatch(/\/gw$/);
    const init = await serverApi(app, 'POST', '/auth/init', { key: key.key, body: { user_id: userId, provider: 'http_api_key' } });
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    expect(init.body.auth_url).toBe(`${app.url}/auth/connect/${init.body.session_id}`);
    const page = await fetch(init.body.auth_url, { redirect: 'manual' });
    expect([page.status, page.headers.get('location')]).toEqual([302, expect.stringMatching(/^\/gw\/login\?return_to=/)]); // its sign-in step
    await page.body?.cancel();
    const refused = await serverApi(app, 'POST', '/auth/token', { key: key.key, body: { user_id: userId, provider: 'http_api_key' } });
    expect([refused.status, refused.body.details.init.url]).toEqual([403, `${app.url}/auth/init`]);
  });
});
