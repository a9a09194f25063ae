import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin, otherPlugin } from '../support/echo-plugin.js';
import { delegate, exchange, postJson, registerAgent } from '../agents/agent-helpers.js';
import { vaultOf } from '../../src/vault/index.js';

const TIMEOUT_MS = 800;

describe.each(dialects)('POST /proxy/{plugin}/{action} on %s', (dialect) => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let bystander: EchoUpstream;
  let app: TestApp;
  let user: TestUser;
  let apiToken: { token: string; id: string };
  let upstreamToken: string;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    echo = await startEchoUpstream();
    bystander = await startEchoUpstream();
    app = await startTestApp(
      dialect,
      { providers: [upstream.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'], proxyTimeoutMs: TIMEOUT_MS },
      [echoPlugin, otherPlugin],
      undefined,
      { OAUTH3_ECHO_UPSTREAM: echo.url },
    );
    user = await createTestUser(app);
    upstreamToken = (await connectUpstream(app, user.userId, upstream)).tokens.access_token;
    apiToken = await newApiToken(['echo.say', 'echo.read']);
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([upstream?.stop(), echo?.close(), bystander?.close()]);
  });

  async function newApiToken(scopes: string[]): Promise<{ token: string; id: string }> {
    const res = await postJson(app, '/api/v1/me/tokens', user.headers, { name: `proxy ${scopes.join(' ')}`, scopes });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function call(path: string, token: string | undefined, body: unknown = {}) {
    const res = await fetch(`${app.url}/proxy/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  const accessToken = async (scopes: string[], o: { issuedAt?: number; ttl?: number } = {}) =>
    (
      await issueAccessToken(app.ctx, {
        userId: user.userId,
        clientId: 'proxy-test-client',
        scopes,
        audience: [app.ctx.resources.gatewayUrl],
        ttl: o.ttl ?? 600,
        ...(o.issuedAt ? { issuedAt: o.issuedAt } : {}),
      })
    ).token;

  it('calls an action with a personal API token: the upstream gets the person’s upstream token, never the API token', async () => {
    const before = echo.requests.length;
    const res = await call('echo/say', apiToken.token, { text: 'hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ result: { echo: { text: 'hello' }, path: '/say', authorized: upstreamToken } });
    expect(echo.requests.length).toBe(before + 1);
    const sent = echo.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${upstreamToken}`);
    expect(JSON.stringify(sent)).not.toContain(apiToken.token);
    expect(sent.headers.cookie).toBeUndefined();
  });

  it('calls an action with an access token for the gateway, and with a delegation an agent exchanged', async () => {
    const at = await accessToken(['echo.say']);
    const res = await call('echo/say', at, { text: 'from an access token' });
    expect(res.status).toBe(200);
    expect(JSON.stringify(echo.requests.at(-1))).not.toContain(at);

    const agent = await registerAgent(app, user, 'proxy agent', ['echo.say']);
    const d = await delegate(app, user, agent.client_id, ['echo.say']);
    expect((await call('echo/say', d.delegation_token, { text: 'delegated' })).status).toBe(200);
    const sub = await exchange(app, agent, { subject_token: d.delegation_token, scope: 'echo.say' });
    expect(sub.status).toBe(200);
    expect((await call('echo/say', sub.body.access_token, { text: 'exchanged' })).status).toBe(200);
  });

  it('refuses a call without a bearer or with an invalid one (401 with the resource metadata)', async () => {
    for (const token of [undefined, 'not-a-token', `${apiToken.token}x`]) {
      const res = await call('echo/say', token, { text: 'x' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource"`);
    }
    const cookie = await fetch(`${app.url}/proxy/echo/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...user.headers },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(cookie.status).toBe(401); // a browser session is never a proxy caller
  });

  it('refuses a token without the action’s scope (403 insufficient_scope naming it), another plugin’s included', async () => {
    const before = echo.requests.length;
    const readOnly = await newApiToken(['echo.read']);
    const res = await call('echo/say', readOnly.token, { text: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.body.error_description).toContain('echo.say');
    expect(res.headers.get('www-authenticate')).toContain('scope="echo.say"');
    const other = await call('echo/say', await accessToken(['other.ping']), { text: 'x' });
    expect([other.status, other.body.error]).toEqual([403, 'insufficient_scope']);
    expect((await call('other/ping', await accessToken(['other.ping']))).body).toEqual({ result: { pong: true } });
    expect(echo.requests.length).toBe(before);
  });

  it('refuses an expired token, a revoked token and a token whose parent delegation was revoked', async () => {
    const expired = await accessToken(['echo.say'], { issuedAt: Date.now() - 3_600_000, ttl: 60 });
    expect(await call('echo/say', expired, { text: 'x' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', error_description: 'token expired' },
    });

    const t = await newApiToken(['echo.say']);
    expect((await call('echo/say', t.token, { text: 'x' })).status).toBe(200);
    expect((await fetch(`${app.url}/api/v1/me/tokens/${t.id}`, { method: 'DELETE', headers: user.headers })).status).toBe(204);
    expect(await call('echo/say', t.token, { text: 'x' })).toMatchObject({ status: 401, body: { error_description: 'token revoked' } });

    const agent = await registerAgent(app, user, 'revoked agent', ['echo.say']);
    const d = await delegate(app, user, agent.client_id, ['echo.say']);
    const sub = await exchange(app, agent, { subject_token: d.delegation_token, scope: 'echo.say' });
    expect((await call('echo/say', sub.body.access_token, { text: 'x' })).status).toBe(200);
    expect((await postJson(app, '/revoke_delegation', {}, { delegation_token: d.delegation_token })).status).toBe(200);
    expect(await call('echo/say', sub.body.access_token, { text: 'x' })).toMatchObject({
      status: 401,
      body: { error_description: 'token revoked' },
    });
  });

  it('refuses input that does not match the schema (400 naming the field, never the value), sending nothing', async () => {
    const before = echo.requests.length;
    const wrongType = await call('echo/say', apiToken.token, { text: 'ok', times: 'SECRET-VALUE-1' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ error: 'ERR_PROXY_INVALID_INPUT', details: { field: 'input.times' } });
    expect(wrongType.body.message).toContain('input.times must be integer');
    expect(JSON.stringify(wrongType.body)).not.toContain('SECRET-VALUE-1');
    const missing = await call('echo/say', apiToken.token, {});
    expect(missing.body.message).toContain('is missing the property "text"');
    const extra = await call('echo/say', apiToken.token, { text: 'ok', sneaky: 'SECRET-VALUE-2' });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('"sneaky"');
    expect(JSON.stringify(extra.body)).not.toContain('SECRET-VALUE-2');
    const tooLong = await call('echo/say', apiToken.token, { text: 'x'.repeat(201) });
    expect(tooLong.body.message).toContain('input.text must NOT have more than 200 characters');
    const huge = await call('echo/say', apiToken.token, { text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(echo.requests.length).toBe(before);
  });

  it('answers 404 naming an unknown plugin or action', async () => {
    expect((await call('No%0APlugin/say', apiToken.token)).body).toEqual({
      error: 'ERR_PROXY_UNKNOWN_PLUGIN',
      message: 'No such plugin is loaded.',
    });
    expect((await call(`echo/${'a'.repeat(100)}`, apiToken.token)).body.message).toBe('The plugin "echo" has no such action.');
    expect((await call('nope/say', apiToken.token)).body).toMatchObject({
      error: 'ERR_PROXY_UNKNOWN_PLUGIN',
      message: 'No plugin "nope" is loaded.',
    });
    expect((await call('echo/shout', apiToken.token)).body).toMatchObject({
      error: 'ERR_PROXY_UNKNOWN_ACTION',
      message: 'The plugin "echo" has no action "shout".',
    });
  });

  it('refuses a host outside the plugin’s allow-list, and a private address, sending nothing; follows no redirect', async () => {
    const before = bystander.requests.length;
    for (const url of [
      `${bystander.url}/steal`,
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost:1/x',
      'file:///etc/passwd',
    ]) {
      const res = await call('echo/fetch', apiToken.token, { url });
      expect(res.status, url).toBe(502);
      expect(res.body.error, url).toBe('ERR_PROXY_UPSTREAM_HOST');
    }
    const redirected = await call('echo/fetch', apiToken.token, {
      url: `${echo.url}/go?redirect_to=${encodeURIComponent(`${bystander.url}/x`)}`,
    });
    expect(redirected.body).toEqual({ result: { status: 302 } }); // a redirect is not followed
    expect(bystander.requests.length).toBe(before);
    const ok = await call('echo/fetch', apiToken.token, { url: `${echo.url}/allowed` });
    expect(ok.body.result.path).toBe('/allowed');
  });

  it('refuses a header built from input with CR/LF/NUL, and the headers the gateway owns, sending nothing', async () => {
    const before = echo.requests.length;
    for (const note of ['a\r\nX-Evil: 1', 'a\nb', 'a\rb']) {
      const res = await call('echo/note', apiToken.token, { note });
      expect([res.status, res.body.error]).toEqual([400, 'ERR_PROXY_UPSTREAM_HEADER']);
      expect(res.body.message).toBe('The header x-note would contain a line break or NUL (from the input?); nothing was sent.');
    }
    expect((await call('echo/note', apiToken.token, { note: 'a\0b' })).status).toBe(400); // the gateway refuses NUL in any body
    for (const note of ['\u2713 done', '\ufffd', 'a\u0001b']) {
      const res = await call('echo/note', apiToken.token, { note }); // not a 502 "could not be reached" from the HTTP client
      expect([res.status, res.body.message]).toEqual([
        400,
        'The header x-note would contain characters a header cannot carry (from the input?); nothing was sent.',
      ]);
    }
    for (const header of ['authorization', 'Cookie', 'host', 'bad header']) {
      const res = await call('echo/note', apiToken.token, { note: 'v', header });
      expect([res.status, res.body.error], header).toEqual([400, 'ERR_PROXY_UPSTREAM_HEADER']);
    }
    expect(echo.requests.length).toBe(before);
    const ok = await call('echo/note', apiToken.token, { note: 'fine' });
    expect(ok.status).toBe(200);
    expect(echo.requests.at(-1)!.headers['x-note']).toBe('fine');
  });

  it('answers 424 with the connect URL for a person who has not connected the account', async () => {
    const stranger = await createTestUser(app);
    const t = await postJson(app, '/api/v1/me/tokens', stranger.headers, { name: 'unconnected', scopes: ['echo.say'] });
    const res = await call('echo/say', t.body.token, { text: 'x' });
    expect(res.status).toBe(424);
    expect(res.body).toMatchObject({
      error: 'ERR_PROXY_NOT_CONNECTED',
      details: { provider: 'upstream', connect_url: `${app.url}/account/connections` },
    });
    expect(res.body.message).toContain(`${app.url}/account/connections`);
  });

  it('on an upstream 401 refreshes the credential once and retries; still 401: the connection needs re-authorization (424)', async () => {
    const current = (await vaultOf(app.ctx).credentialFor(user.userId, 'upstream', { server: 'test' })).accessToken!;
    echo.rejectTokens.add(current);
    const refreshes = upstream.tokenRequests('refresh_token');
    const res = await call('echo/say', apiToken.token, { text: 'after refresh' });
    expect(res.status).toBe(200);
    expect(res.body.result.authorized).not.toBe(current);
    expect(upstream.tokenRequests('refresh_token')).toBe(refreshes + 1);

    const next = (await vaultOf(app.ctx).credentialFor(user.userId, 'upstream', { server: 'test' })).accessToken!;
    echo.rejectTokens.add(next);
    const swallowed = await call('echo/swallow', apiToken.token, { text: 'a handler that catches the 401' });
    expect(swallowed.body.result.authorized).not.toBe(next); // refreshed and run again all the same
    expect(upstream.tokenRequests('refresh_token')).toBe(refreshes + 2);

    echo.rejectAll = true;
    try {
      const before = echo.requests.length;
      const refused = await call('echo/say', apiToken.token, { text: 'refused' });
      expect(refused.status).toBe(424);
      expect(refused.body).toMatchObject({ error: 'ERR_PROXY_NEEDS_REAUTH', details: { connect_url: `${app.url}/account/connections` } });
      expect(echo.requests.length).toBe(before + 2); // the call and its one retry
      expect(upstream.tokenRequests('refresh_token')).toBe(refreshes + 3);
      expect((await vaultOf(app.ctx).connection(user.userId, 'upstream'))!.status).toBe('needs_reauth');
      const again = await call('echo/say', apiToken.token, { text: 'refused' });
      expect([again.status, again.body.error]).toEqual([424, 'ERR_PROXY_NEEDS_REAUTH']);
      expect(echo.requests.length).toBe(before + 2); // nothing sent until the person connects again
    } finally {
      echo.rejectAll = false;
    }
    upstreamToken = (await connectUpstream(app, user.userId, upstream)).tokens.access_token;
    expect((await call('echo/say', apiToken.token, { text: 'reconnected' })).body.result.authorized).toBe(upstreamToken);
  });

  it('answers 504 naming the upstream host when it does not answer in time', async () => {
    echo.stallMs = TIMEOUT_MS + 700;
    try {
      const res = await call('echo/say', apiToken.token, { text: 'slow' });
      expect(res.status).toBe(504);
      expect(res.body).toEqual({ error: 'ERR_PROXY_UPSTREAM_TIMEOUT', message: `${echo.host} did not answer in time.` });
    } finally {
      echo.stallMs = 0;
    }
  });

  it('records each call as proxy.called: who, the agent chain, the action, the outcome; never bodies or credentials', async () => {
    await app.ctx.audit.flush();
    const rows = await app.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'proxy.called').execute();
    const all = JSON.stringify(rows);
    for (const secret of [apiToken.token, upstreamToken, 'hello', 'SECRET-VALUE-1', 'delegated']) expect(all).not.toContain(secret);
    const details = rows.map((r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, any>);
    expect(details).toContainEqual(
      expect.objectContaining({
        plugin: 'echo',
        action: 'say',
        scope: 'echo.say',
        principal: 'api_token',
        outcome: 'ok',
        upstream_status: 200,
        provider: 'upstream', // the account it acted with: the call's one event (no vault.token_served beside it)
      }),
    );
    expect(details.find((d) => d.outcome === 'ok')).toHaveProperty('account');
    const served = await app.ctx.db.selectFrom('audit_events').select('detail').where('action', '=', 'vault.token_served').execute();
    expect(served.map((r) => JSON.parse(String(r.detail)) as { by: string }).filter((d) => d.by.startsWith('proxy '))).toEqual([]);
    expect(details.some((d) => d.chain.length > 0 && d.outcome === 'ok')).toBe(true); // the exchanged token's act chain
    expect(rows.some((r) => r.actor_type === 'agent')).toBe(true);
    expect(details).toContainEqual(expect.objectContaining({ outcome: 'ERR_PROXY_INVALID_INPUT', upstream_status: null }));
    expect(details).toContainEqual(expect.objectContaining({ outcome: 'insufficient_scope' }));
    expect(details).toContainEqual(expect.objectContaining({ outcome: 'ERR_PROXY_NEEDS_REAUTH', upstream_status: 401 }));
    expect(details).toContainEqual(expect.objectContaining({ outcome: 'ERR_PROXY_UPSTREAM_TIMEOUT' }));
    for (const d of details) expect(typeof d.latency_ms).toBe('number');
    expect(rows.filter((r) => r.user_id === user.userId).length).toBeGreaterThan(10); // the person's access log shows them
  });

  it('answers 502 naming the upstream host when it is down', async () => {
    await echo.close();
    const res = await call('echo/say', apiToken.token, { text: 'down' });
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'ERR_PROXY_UPSTREAM_FAILED', message: `${echo.host} could not be reached (ECONNREFUSED).` });
  });
});
