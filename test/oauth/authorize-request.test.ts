import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { createClient } from '../../src/oauth/index.js';
import { authorize, codeFor, exchange, pkce, publicClient, apiStatus, type Registered } from './support/oauth-helpers.js';

const REDIRECT = 'https://app.example:8443/cb';

describe.each(dialects)('/authorize and consent on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let client: Registered;
  const base = () => ({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    state: 's1',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
  const get = (params: Record<string, string>) => fetch(`${app.url}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });

  beforeAll(async () => {
    app = await startTestApp(dialect, {
      resources: [
        {
          url: 'https://mcp.example/mcp',
          name: 'Example MCP',
          scopes: ['notes.read', { name: 'notes.write', description: 'Write your notes' }],
        },
      ],
    });
    user = await createTestUser(app);
    client = await publicClient(app, REDIRECT);
  });
  afterAll(() => app.stop());

  it('never redirects for an unknown client_id', async () => {
    const res = await get({ ...base(), client_id: 'c_nope' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('unknown client_id');
  });

  it.each([
    ['a trailing slash', `${REDIRECT}/`],
    ['a port', 'https://app.example:8444/cb'],
    ['a path suffix', `${REDIRECT}/more`],
    ['case', 'https://app.example:8443/CB'],
    ['a query', `${REDIRECT}?x=1`],
  ])('never redirects to a redirect_uri that differs by %s', async (_what, uri) => {
    const res = await get({ ...base(), redirect_uri: uri });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is not registered');
  });

  /**
   * A self-registered client's errors are not redirected automatically (RFC 9700 §4.11.2: the gateway would be an
   * open redirector for whoever registers a redirect URI): a page names the error and links back to the app.
   */
  const errorOf = async (res: Response) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const href = /data-testid="return-to-app" href="([^"]+)"|href="([^"]+)" data-testid="return-to-app"/.exec(await res.text());
    const loc = new URL((href![1] ?? href![2]).replace(/&amp;/g, '&'));
    expect(loc.origin + loc.pathname).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('s1');
    expect(loc.searchParams.get('iss')).toBe(app.url);
    return loc.searchParams;
  };

  it("never redirects a self-registered client's error automatically (no open redirect), but does for an operator-registered one", async () => {
    const evil = await publicClient(app, 'https://evil.example/cb');
    const res = await get({ ...base(), client_id: evil.client_id, redirect_uri: 'https://evil.example/cb', response_type: 'token' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('evil.example');
    // nor for an agent: any signed-up account can register one with the redirect URI it likes
    const agent = await (
      await fetch(`${app.url}/register_agent`, {
        method: 'POST',
        headers: { ...user.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'evil agent', scopes: ['mcp'], redirect_uris: ['https://evil.example/agent'] }),
      })
    ).json();
    const viaAgent = await get({
      ...base(),
      client_id: agent.client_id,
      redirect_uri: 'https://evil.example/agent',
      response_type: 'token',
    });
    expect(viaAgent.status).toBe(400);
    expect(viaAgent.headers.get('location')).toBeNull();
    const made = await createClient(app.ctx.db, { name: 'Operator app', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' });
    const trusted = await get({ ...base(), client_id: made.client.clientId, response_type: 'token' });
    expect(trusted.status).toBe(302);
    expect(new URL(trusted.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('requires PKCE', async () => {
    const { code_challenge: _c, code_challenge_method: _m, ...rest } = base();
    expect((await errorOf(await get(rest))).get('error')).toBe('invalid_request');
  });

  it('refuses plain PKCE', async () => {
    const p = await errorOf(await get({ ...base(), code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }));
    expect(p.get('error')).toBe('invalid_request');
    expect(p.get('error_description')).toContain('S256');
  });

  it('supports only the code flow', async () => {
    expect((await errorOf(await get({ ...base(), response_type: 'token' }))).get('error')).toBe('unsupported_response_type');
  });

  it('refuses unknown scopes and resources', async () => {
    expect((await errorOf(await get({ ...base(), scope: 'root' }))).get('error')).toBe('invalid_scope');
    expect((await errorOf(await get({ ...base(), resource: 'https://other.example/mcp' }))).get('error')).toBe('invalid_target');
  });

  it('sends a signed-out person to sign in, then back to the consent page', async () => {
    const res = await get(base());
    expect(res.status).toBe(302);
    const page = await fetch(new URL(res.headers.get('location')!, app.url), { redirect: 'manual' });
    expect(page.status).toBe(302);
    const login = new URL(page.headers.get('location')!, app.url);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('return_to')).toMatch(/^\/oauth\/authorize\/page\?/);
  });

  it('shows client name, redirect host, a warning for a self-registered client and each scope with its description', async () => {
    const res = await get({ ...base(), scope: 'notes.read notes.write', resource: 'https://MCP.example:443/mcp/' });
    const page = await fetch(new URL(res.headers.get('location')!, app.url), { headers: { cookie: user.cookie } });
    const html = await page.text();
    expect(html).toContain('data-testid="client-name">Test app<');
    expect(html).toContain('app.example:8443');
    expect(html).toContain('registered itself');
    expect(html).toContain('Write your notes');
    expect(html).toContain('https://mcp.example/mcp'); // the canonical resource
  });

  it('warns about localhost-only clients', async () => {
    const local = await publicClient(app, 'http://127.0.0.1:7777/cb');
    const res = await get({ ...base(), client_id: local.client_id, redirect_uri: 'http://127.0.0.1:7777/cb' });
    const html = await (await fetch(new URL(res.headers.get('location')!, app.url), { headers: { cookie: user.cookie } })).text();
    expect(html).toContain('localhost');
  });

  it('redirects a denial with access_denied, state and iss', async () => {
    const back = await authorize(app, user, base(), 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('s1');
    expect(back.searchParams.get('iss')).toBe(app.url);
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('refuses the consent POST without the CSRF token (and issues no code)', async () => {
    const before = await app.ctx.db.selectFrom('oauth_codes').select('code_hash').execute();
    const form = new URLSearchParams({ ...base(), decision: 'approve' });
    const res = await fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('ERR_ACCOUNTS_CSRF');
    const after = await app.ctx.db.selectFrom('oauth_codes').select('code_hash').execute();
    expect(after.length).toBe(before.length);
  });

  it('refuses consent given with a bearer token instead of a browser session', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const token = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body.access_token;
    const form = new URLSearchParams({ ...base(), decision: 'approve', scope: 'tokens.manage' });
    const res = await fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });

  it("refuses consent from a victim's narrow bearer sent with the attacker's own session cookie (no code, no grant)", async () => {
    const victim = await createTestUser(app);
    const attacker = await createTestUser(app);
    const { code, verifier } = await codeFor(app, victim, client.client_id, REDIRECT, { scope: 'profile' });
    const token = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body.access_token;
    const grants = () => app.ctx.db.selectFrom('oauth_grants').select('scope').where('user_id', '=', victim.userId).execute();
    const before = await grants();
    const params = { ...base(), scope: 'tokens.manage agents.manage delegate' };
    const res = await fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, cookie: attacker.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, decision: 'approve' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(await grants()).toEqual(before);
    const page = await fetch(`${app.url}/oauth/authorize/page?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${token}`, cookie: attacker.cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(403);
  });

  it('approves with code, state and iss; remembers the consent for the same client, scopes and resource', async () => {
    const params = { ...base(), scope: 'notes.read', resource: 'https://mcp.example/mcp' };
    const back = await authorize(app, user, params);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('s1');
    expect(back.searchParams.get('iss')).toBe(app.url);
    // second time: no consent form, straight back with a code
    const res = await fetch(`${app.url}/oauth/authorize/page?${new URLSearchParams(params)}`, {
      headers: { cookie: user.cookie },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    // wider scopes: asked again
    const wider = await fetch(`${app.url}/oauth/authorize/page?${new URLSearchParams({ ...params, scope: 'notes.read notes.write' })}`, {
      headers: { cookie: user.cookie },
      redirect: 'manual',
    });
    expect(wider.status).toBe(200);
  });

  it('issues tokens whose audience is the canonical resource, usable nowhere else', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT, {
      scope: 'notes.read',
      resource: 'https://mcp.example/mcp',
    });
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const p = await app.ctx.tokens.verify(t.access_token, { audience: 'https://mcp.example/mcp' });
    expect(p.audience).toEqual(['https://mcp.example/mcp']);
    await expect(app.ctx.tokens.verify(t.access_token, { audience: app.url })).rejects.toMatchObject({ error: 'invalid_token' });
  });

  it('lists authorized apps as JSON to the session and to a bearer with profile, not to a narrower bearer', async () => {
    const mint = async (scopes: string[]) =>
      (
        await (
          await fetch(`${app.url}/api/v1/me/tokens`, {
            method: 'POST',
            headers: { ...user.headers, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `apps ${scopes.join(' ')}`, scopes }), // live tokens of one person have distinct names
          })
        ).json()
      ).token as string;
    const list = (headers: Record<string, string>) => fetch(`${app.url}/api/v1/me/apps`, { headers });
    expect((await list({ cookie: user.cookie })).status).toBe(200);
    expect((await list({ authorization: `Bearer ${await mint(['profile'])}` })).status).toBe(200);
    const narrow = await list({ authorization: `Bearer ${await mint(['mcp'])}` });
    expect(narrow.status).toBe(403);
    expect((await narrow.json()).error).toBe('insufficient_scope');
  });

  it('lists the grant under Authorized apps and revokes every token of it at once', async () => {
    const other = await createTestUser(app);
    const first = await codeFor(app, other, client.client_id, REDIRECT, { scope: 'profile' });
    const t1 = (await exchange(app, client.client_id, first.code, first.verifier, REDIRECT)).body;
    const second = await codeFor(app, other, client.client_id, REDIRECT, { scope: 'profile' }); // remembered consent, same grant
    const t2 = (await exchange(app, client.client_id, second.code, second.verifier, REDIRECT)).body;
    const page = await (await fetch(`${app.url}/account/apps`, { headers: { cookie: other.cookie } })).text();
    expect(page).toContain('Test app');
    const grantId = /data-grant="([^"]+)"/.exec(page)![1];
    expect(page.match(/data-testid="app-row"/g)).toHaveLength(1);
    const noCsrf = await fetch(`${app.url}/account/apps/${grantId}/revoke`, {
      method: 'POST',
      headers: { cookie: other.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noCsrf.status).toBe(403);
    const res = await fetch(`${app.url}/account/apps/${grantId}/revoke`, {
      method: 'POST',
      headers: { cookie: other.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${other.csrf}`,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(await apiStatus(app, t1.access_token)).toBe(401);
    expect(await apiStatus(app, t2.access_token)).toBe(401);
    const r = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: client.client_id, refresh_token: t2.refresh_token }),
    });
    expect((await r.json()).error).toBe('invalid_grant');
    const events = await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', other.userId).execute();
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['oauth.consent.granted', 'oauth.token.issued', 'oauth.consent.revoked']),
    );
    expect(await (await fetch(`${app.url}/account/apps`, { headers: { cookie: other.cookie } })).text()).toContain('No app has access');
  });
});
