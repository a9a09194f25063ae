import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { delegate, exchange, postJson, registerAgent } from './agent-helpers.js';
import { tokenService } from '../support/tokens.js';
import { submitForm } from '../support/page-form.js';

describe.each(dialects)('the Agents page on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const page = async () => (await fetch(`${app.url}/account/agents`, { headers: { cookie: user.cookie } })).text();

  it('shows each agent with its delegations, exchanged descendants, scopes and last use; one revoke cascades', async () => {
    const a = await registerAgent(app, user, 'Planner bot', ['mcp', 'profile']);
    const b = await registerAgent(app, user, 'Research helper', ['mcp']);
    const t1 = (await delegate(app, user, a.client_id, ['mcp', 'profile'])).delegation_token;
    const t2 = (await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, scope: 'mcp' })).body.access_token as string;
    await app.ctx.tokens.verify(t2, { ip: '192.0.2.44' });
    await tokenService(app.ctx).usage.flush();

    const html = await page();
    expect(html).toContain('Planner bot');
    expect(html).toContain('Research helper');
    expect(html).toMatch(/data-testid="agent" data-client-id="[^"]+"/);
    expect(html).toContain('exchanged to Research helper');
    expect(html).toContain('192.0.2.44');
    expect(html).toMatch(/data-depth="0" data-revoked="false"/);
    expect(html).toMatch(/data-depth="1" data-revoked="false"/);

    const api = await (await fetch(`${app.url}/api/v1/me/agents`, { headers: { cookie: user.cookie } })).json();
    const planner = api.find((x: { clientId: string }) => x.clientId === a.client_id);
    expect(planner).toMatchObject({ name: 'Planner bot', owned: true, scopes: ['mcp', 'profile'], active: true });
    expect(planner.delegations[0].tokens.map((t: { depth: number; clientId: string }) => [t.depth, t.clientId])).toEqual([
      [0, a.client_id],
      [1, b.client_id],
    ]);
    const helper = api.find((x: { clientId: string }) => x.clientId === b.client_id);
    expect(helper.received).toHaveLength(1);
    expect(helper.lastUsedAt).toBeGreaterThan(Date.now() - 10_000);

    const ask = await (
      await fetch(`${app.url}/account/agents/${encodeURIComponent(a.client_id)}/revoke`, { headers: { cookie: user.cookie } })
    ).text();
    expect(ask).toContain('Revoke the access of Planner bot?');
    expect(ask).toContain('Every token exchanged from them');
    expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t1 })).body.valid).toBe(true);
    const revoke = await submitForm(app, user, `/account/agents/${encodeURIComponent(a.client_id)}/revoke`);
    expect(revoke.status).toBe(303);
    const after = revoke.html;
    expect(after).toContain('Access revoked (2 tokens).');
    expect(after).not.toMatch(/data-revoked="false"/);
    for (const t of [t1, t2])
      expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t })).body).toEqual({
        valid: false,
        reason: 'token revoked',
      });
  });

  it('registers an agent and delegates to it from the page; secrets shown once after the redirect; bad input shown on the page', async () => {
    const form = (path: string, fields: Array<[string, string]>) => submitForm(app, user, path, fields);
    const reg = await form('/account/agents/register', [
      ['name', 'Form agent'],
      ['scopes', 'mcp'],
      ['scopes', 'profile'],
    ]);
    expect(reg.status).toBe(303);
    const html = reg.html;
    const clientId = /data-testid="shown-client_id">([^<]+)</.exec(html)![1];
    expect(html).toMatch(/data-testid="shown-client_secret">[A-Za-z0-9_-]{43}</);
    expect((await page()).match(/data-testid="agent" /g)?.length).toBe(html.match(/data-testid="agent" /g)?.length);
    // One delegate action per agent: a link to its own form.
    expect(html).toContain(`href="/account/agents/${encodeURIComponent(clientId)}/delegate"`);
    const delegatePage = await (
      await fetch(`${app.url}/account/agents/${encodeURIComponent(clientId)}/delegate`, { headers: { cookie: user.cookie } })
    ).text();
    expect(delegatePage).toContain('Delegate to Form agent');
    expect(delegatePage).toMatch(/data-testid="delegate-form"/);
    const del = await form(`/account/agents/${encodeURIComponent(clientId)}/delegate`, [
      ['scopes', 'mcp'],
      ['expires_in', '900'],
    ]);
    expect(del.status).toBe(303);
    const token = /data-testid="shown-delegation_token">([^<]+)</.exec(del.html)![1];
    const v = (await postJson(app, '/validate_delegation', {}, { delegation_token: token })).body;
    expect(v).toMatchObject({ valid: true, user_id: user.userId, agent_id: clientId, scopes: ['mcp'] });
    expect(v.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
    const again = await page();
    expect(again).not.toContain(token);
    const none = await form(`/account/agents/${encodeURIComponent(clientId)}/delegate`, [['expires_in', '900']]);
    expect(none.status).toBe(400);
    expect(none.html).toContain('scopes must name at least one scope');
    const wider = await form(`/account/agents/${encodeURIComponent(clientId)}/delegate`, [['scopes', 'delegate']]);
    expect(wider.status).toBe(403);
    expect(wider.html).toContain('the agent is not registered for scope: delegate');
  });

  it('the registration form offers what an agent can use, not the sign-in scopes openid and offline_access', async () => {
    const form = (await page()).split('data-testid="register-agent"')[1];
    expect(form).toContain('name="scopes" value="mcp"');
    expect(form).toContain('name="scopes" value="profile"');
    expect(form).not.toContain('value="openid"');
    expect(form).not.toContain('value="offline_access"');
  });

  it('warns before an agent gets agents.manage or delegate: refused until "I understand" is ticked', async () => {
    const before = (await page()).match(/data-testid="agent" /g)?.length ?? 0;
    const refused = await submitForm(app, user, '/account/agents/register', [
      ['name', 'Manager bot'],
      ['scopes', 'agents.manage'],
    ]);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('agents.manage let the agent hand your rights on');
    expect((await page()).match(/data-testid="agent" /g)?.length ?? 0).toBe(before);
    const given = await submitForm(app, user, '/account/agents/register', [
      ['name', 'Manager bot'],
      ['scopes', 'agents.manage'],
      ['confirm_powerful', '1'],
    ]);
    expect(given.status).toBe(303);
    expect(given.html).toContain('Agent Manager bot registered.');
  });

  it('renames and deletes an agent (deleting asks first and revokes what it holds); nobody else can', async () => {
    const a = await registerAgent(app, user, 'Old name', ['mcp']);
    const t = (await delegate(app, user, a.client_id, ['mcp'])).delegation_token;
    const path = (action: string) => `/account/agents/${encodeURIComponent(a.client_id)}/${action}`;
    const renamed = await submitForm(app, user, path('rename'), [['name', 'Mail sorter']]);
    expect(renamed.status).toBe(303);
    expect(renamed.html).toContain('Agent renamed to Mail sorter.');
    const stranger = await createTestUser(app);
    expect((await submitForm(app, stranger, path('rename'), [['name', 'Hijacked']])).status).toBe(404);
    expect((await submitForm(app, stranger, path('delete'))).status).toBe(404);
    expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t })).body.valid).toBe(true);
    const ask = await (await fetch(`${app.url}${path('delete')}`, { headers: { cookie: user.cookie } })).text();
    expect(ask).toContain('Delete the agent Mail sorter?');
    expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t })).body.valid).toBe(true);
    const deleted = await submitForm(app, user, path('delete'));
    expect(deleted.status).toBe(303);
    expect(deleted.html).toContain('Agent Mail sorter deleted (1 token revoked).');
    expect(deleted.html).not.toContain(`data-client-id="${a.client_id}"`);
    expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t })).body.valid).toBe(false);
    const token = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: a.client_id, client_secret: a.client_secret }),
    });
    expect((await token.json()).error).toBe('invalid_client');
    await app.ctx.audit.flush();
    const actions = (await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', user.userId).execute()).map(
      (r) => r.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['agent.renamed', 'agent.deleted']));
  });

  it('refuses the revoke without the CSRF token', async () => {
    const a = await registerAgent(app, user, 'csrf check', ['mcp']);
    const t1 = (await delegate(app, user, a.client_id, ['mcp'])).delegation_token;
    const res = await fetch(`${app.url}/account/agents/${encodeURIComponent(a.client_id)}/revoke`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(res.status).toBe(403);
    expect((await postJson(app, '/validate_delegation', {}, { delegation_token: t1 })).body.valid).toBe(true);
  });

  it("redirects to sign-in when signed out, and never shows another person's agents", async () => {
    const res = await fetch(`${app.url}/account/agents`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const other = await createTestUser(app);
    const html = await (await fetch(`${app.url}/account/agents`, { headers: { cookie: other.cookie } })).text();
    expect(html).not.toContain('Planner bot');
  });

  it('the access log records registration, delegation, exchange, use and revocation', async () => {
    await app.ctx.audit.flush();
    const actions = new Set(
      (await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', user.userId).execute()).map((r) => r.action),
    );
    for (const a of ['agent.registered', 'delegation.created', 'token.exchanged', 'token.used', 'delegation.revoked'])
      expect(actions).toContain(a);
    const events = await (await fetch(`${app.url}/account/events`, { headers: { cookie: user.cookie } })).text();
    expect(events).toContain('Rights delegated to an agent');
  });
});
