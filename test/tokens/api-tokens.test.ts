import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { submitForm } from '../support/page-form.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { tokenService } from '../support/tokens.js';

describe.each(dialects)('personal API tokens on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect, { tokenUsageFlushMs: 20 });
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const json = { 'content-type': 'application/json' };
  const create = (headers: Record<string, string>, body: unknown) =>
    fetch(`${app.url}/api/v1/me/tokens`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it('creates a token (shown once, o3p_ format, default 90 days) that works as a bearer', async () => {
    const res = await create(user.headers, { name: 'ci', scopes: ['tokens.manage', 'mcp'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body.token).toMatch(/^o3p_[0-9A-Za-z]{49}$/);
    expect(body.expiresAt - body.createdAt).toBe(90 * 86_400_000);
    const list = await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(body.token) });
    expect(list.status).toBe(200);
    const tokens = await list.json();
    const mine = tokens.find((t: { id: string }) => t.id === body.id);
    expect(mine).toMatchObject({ name: 'ci', scopes: ['tokens.manage', 'mcp'], revokedAt: null });
    expect(JSON.stringify(tokens)).not.toContain(body.token); // never listed again
  });

  it('lists last use (time and IP), written in a batch', async () => {
    const { token, id } = await (await create(user.headers, { name: 'used', scopes: ['tokens.manage'] })).json();
    await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(token) });
    await tokenService(app.ctx).usage.flush();
    const listed = (await (await fetch(`${app.url}/api/v1/me/tokens`, { headers: user.headers })).json()).find(
      (t: { id: string }) => t.id === id,
    );
    expect(listed.lastUsedIp).toBe('127.0.0.1');
    expect(listed.lastUsedAt).toBeGreaterThan(Date.now() - 10_000);
    await app.ctx.audit.flush();
    const used = await app.ctx.db
      .selectFrom('audit_events')
      .select(['ip', 'actor_type'])
      .where('action', '=', 'token.used')
      .where('target_id', '=', id)
      .execute();
    expect(used).toEqual([{ ip: '127.0.0.1', actor_type: 'user' }]); // first use today, with where it came from
  });

  it('never carries a scope its owner could not grant (a token cannot mint a wider one)', async () => {
    const { token } = await (await create(user.headers, { name: 'narrow', scopes: ['tokens.manage'] })).json();
    const res = await create(bearer(token), { name: 'wider', scopes: ['tokens.manage', 'agents.manage'] });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'ERR_SCOPES_NOT_GRANTABLE', message: 'you cannot grant scope: agents.manage' });
    const same = await create(bearer(token), { name: 'same', scopes: ['tokens.manage'] });
    expect(same.status).toBe(201);
  });

  it('refuses unknown scopes, bad names, a never-expiring token (config off) and a missing CSRF token', async () => {
    const unknown = await create(user.headers, { name: 'x', scopes: ['nope'] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toBe('ERR_SCOPES_UNKNOWN');
    expect((await create(user.headers, { name: '', scopes: ['mcp'] })).status).toBe(400);
    const never = await create(user.headers, { name: 'x', scopes: ['mcp'], expires_in_days: null });
    expect(never.status).toBe(400);
    expect((await never.json()).message).toContain('never expire');
    const noCsrf = await create({ cookie: user.cookie }, { name: 'x', scopes: ['mcp'] });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error).toBe('ERR_ACCOUNTS_CSRF');
  });

  it('needs tokens.manage on a bearer', async () => {
    const { token } = await (await create(user.headers, { name: 'mcp only', scopes: ['mcp'] })).json();
    const res = await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(token) });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('insufficient_scope');
  });

  it('revokes one at once, then all; revoked tokens are refused on their next request', async () => {
    const a = await (await create(user.headers, { name: 'a', scopes: ['tokens.manage'] })).json();
    const b = await (await create(user.headers, { name: 'b', scopes: ['tokens.manage'] })).json();
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(a.token) })).status).toBe(200);
    const del = await fetch(`${app.url}/api/v1/me/tokens/${a.id}`, { method: 'DELETE', headers: user.headers });
    expect(del.status).toBe(204);
    const refused = await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(a.token) });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error_description).toBe('token revoked');
    expect((await fetch(`${app.url}/api/v1/me/tokens/${a.id}`, { method: 'DELETE', headers: user.headers })).status).toBe(404);
    const all = await fetch(`${app.url}/api/v1/me/tokens`, { method: 'DELETE', headers: user.headers });
    expect((await all.json()).revoked).toBeGreaterThan(0);
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(b.token) })).status).toBe(401);
  });

  it('refuses a bearer with a bad checksum with 401 and a clear reason', async () => {
    const { token } = await (await create(user.headers, { name: 'typo', scopes: ['tokens.manage'] })).json();
    const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    const res = await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(typo) });
    expect(res.status).toBe(401);
    expect((await res.json()).error_description).toBe('malformed API token (bad checksum)');
  });

  it('refuses a second live token with the same name through the API too (409); a revoked or expired one frees the name', async () => {
    const u = await createTestUser(app);
    const first = await create(u.headers, { name: 'deploy', scopes: ['mcp'] });
    expect(first.status).toBe(201);
    const again = await create(u.headers, { name: ' deploy ', scopes: ['mcp'] });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: 'ERR_CONFLICT',
      message: 'You already have a live token named deploy: pick another name.',
    });
    // Another person's token of that name is theirs: no clash.
    expect((await create(user.headers, { name: 'deploy', scopes: ['mcp'] })).status).toBe(201);
    const { id } = await first.json();
    expect((await fetch(`${app.url}/api/v1/me/tokens/${id}`, { method: 'DELETE', headers: u.headers })).status).toBe(204);
    expect((await create(u.headers, { name: 'deploy', scopes: ['mcp'] })).status).toBe(201);
    await app.ctx.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('user_id', '=', u.userId)
      .execute();
    expect((await create(u.headers, { name: 'deploy', scopes: ['mcp'] })).status).toBe(201);
    const names = (await (await fetch(`${app.url}/api/v1/me/tokens`, { headers: u.headers })).json()).map((t: { name: string }) => t.name);
    expect(names).toEqual(['deploy', 'deploy', 'deploy']);
  });

  it("cannot touch another person's tokens", async () => {
    const other = await createTestUser(app);
    const { id, token } = await (await create(other.headers, { name: 'theirs', scopes: ['tokens.manage'] })).json();
    expect((await fetch(`${app.url}/api/v1/me/tokens/${id}`, { method: 'DELETE', headers: user.headers })).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(token) })).status).toBe(200);
  });

  it('the page offers expiry choices and a date, no openid or offline_access, and refuses a second live token with the same name', async () => {
    const html = await (await fetch(`${app.url}/account/tokens`, { headers: { cookie: user.cookie } })).text();
    for (const days of ['7', '30', '90']) expect(html).toContain(`name="expires_in_days" value="${days}"`);
    expect(html).toContain('type="date" name="expires_on"');
    expect(html).not.toContain('value="openid"');
    expect(html).not.toContain('value="offline_access"');
    const dated = await submitForm(app, user, '/account/tokens', [
      ['name', 'dated'],
      ['scopes', 'mcp'],
      ['expires_in_days', 'date'],
      ['expires_on', new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10)],
    ]);
    expect(dated.status).toBe(303);
    const info = (await (await fetch(`${app.url}/api/v1/me/tokens`, { headers: user.headers })).json()).find(
      (t: { name: string }) => t.name === 'dated',
    );
    expect(Math.round((info.expiresAt - Date.now()) / 86_400_000)).toBeGreaterThanOrEqual(10);
    expect(Math.round((info.expiresAt - Date.now()) / 86_400_000)).toBeLessThanOrEqual(11);
    const past = await submitForm(app, user, '/account/tokens', [
      ['name', 'past'],
      ['scopes', 'mcp'],
      ['expires_in_days', 'date'],
      ['expires_on', '2001-01-01'],
    ]);
    expect(past.status).toBe(400);
    expect(past.html).toContain('choose an expiry date after today');
    const count = async () => (await (await fetch(`${app.url}/api/v1/me/tokens`, { headers: user.headers })).json()).length;
    const before = await count();
    const twice = await submitForm(app, user, '/account/tokens', [
      ['name', 'dated'],
      ['scopes', 'mcp'],
    ]);
    expect(twice.status).toBe(409);
    expect(twice.html).toContain('You already have a live token named dated');
    expect(await count()).toBe(before);
  });

  it('the page creates a token, shows it once after the redirect, lists and revokes it (asking first); the access log records both', async () => {
    const created = await submitForm(app, user, '/account/tokens', [
      ['name', 'from the page'],
      ['scopes', 'mcp'],
      ['scopes', 'tokens.manage'],
      ['expires_in_days', '7'],
    ]);
    expect(created.status).toBe(303);
    expect(created.location).toBe('/account/tokens');
    expect(created.location).not.toMatch(/o3p_/);
    const token = /data-testid="shown-token">(o3p_[0-9A-Za-z]+)</.exec(created.html)?.[1];
    expect(token).toBeDefined();
    expect(created.html).toContain('Token from the page created.');
    // Reloading the list (a GET) shows the token no more and creates nothing.
    const again = await (await fetch(`${app.url}/account/tokens`, { headers: { cookie: user.cookie } })).text();
    expect(again).toContain('from the page');
    expect(again).not.toContain(token!);
    expect((again.match(/data-testid="token-row"/g) ?? []).length).toBe((created.html.match(/data-testid="token-row"/g) ?? []).length);
    const id = /data-token-id="([^"]+)"/.exec(again)![1];
    const ask = await (await fetch(`${app.url}/account/tokens/${id}/revoke`, { headers: { cookie: user.cookie } })).text();
    expect(ask).toContain('Revoke the token from the page?');
    expect(ask).toContain('is refused from its next request');
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(token!) })).status).toBe(200);
    const revoked = await submitForm(app, user, `/account/tokens/${id}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.html).toContain('Token from the page revoked');
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers: bearer(token!) })).status).toBe(401);
    const bad = await submitForm(app, user, '/account/tokens', [
      ['name', 'x'],
      ['scopes', 'nope'],
    ]);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('unknown scope: nope');
    expect(bad.html).toContain('value="x"');
    await app.ctx.audit.flush();
    const actions = (await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', user.userId).execute()).map(
      (r) => r.action,
    );
    expect(actions).toContain('token.created');
    expect(actions).toContain('token.revoked');
    expect(actions).toContain('token.used');
  });
});

describe('never-expiring tokens when config allows them', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { apiTokenAllowNoExpiry: true });
  });
  afterAll(() => app.stop());

  it('creates a token with no expiry', async () => {
    const user = await createTestUser(app);
    const res = await fetch(`${app.url}/api/v1/me/tokens`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'forever', scopes: ['mcp'], expires_in_days: null }),
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.expiresAt).toBeNull();
    expect(await app.ctx.tokens.verify(body.token)).toMatchObject({ kind: 'api_token', expiresAt: null });
  });
});
