import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { submitForm } from '../support/page-form.js';
import { postJson, registerAgent } from './agent-helpers.js';

describe.each(dialects)('delegating to an agent someone else owns, on %s', (dialect) => {
  let app: TestApp;
  let owner: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    owner = await createTestUser(app);
    other = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const setUsername = async (u: TestUser, username: string) => {
    const res = await fetch(`${app.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { ...u.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    });
    expect(res.status).toBe(200);
  };
  const apiDelegate = (u: TestUser, agentId: string) =>
    postJson(app, '/delegate', u.headers, { user_id: u.userId, agent_id: agentId, scopes: ['mcp'] });
  const delegatePage = (u: TestUser, agentId: string) =>
    fetch(`${app.url}/account/agents/${encodeURIComponent(agentId)}/delegate`, { headers: { cookie: u.cookie, accept: 'text/html' } });
  const availability = (u: TestUser, agentId: string, available: unknown) =>
    postJson(app, `/api/v1/me/agents/${encodeURIComponent(agentId)}/availability`, u.headers, { available });
  const delegationsOf = (u: TestUser) => app.ctx.db.selectFrom('delegations').select('agent_id').where('user_id', '=', u.userId).execute();
  const events = (u: TestUser, action: string) =>
    app.ctx.audit
      .flush()
      .then(() =>
        app.ctx.db.selectFrom('audit_events').select('target_id').where('user_id', '=', u.userId).where('action', '=', action).execute(),
      );

  it('is refused while the owner has not made the agent available: through the API and the page, naming nobody', async () => {
    await setUsername(owner, `runner-${dialect}`);
    const agent = await registerAgent(app, owner, 'Inbox bot', ['mcp']);
    const api = await apiDelegate(other, agent.client_id);
    expect(api.status).toBe(403);
    expect(api.body.error).toBe('ERR_AGENTS_NOT_AVAILABLE');
    expect(api.body.message).toMatch(/run by someone else, who has not made it available for delegation by others/);
    expect(JSON.stringify(api.body)).not.toContain(`runner-${dialect}`);

    const page = await delegatePage(other, agent.client_id);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('has not made it available');
    expect(html).not.toContain('data-testid="delegate-form"');
    expect(html).not.toContain(`runner-${dialect}`);
    const post = await submitForm(app, other, `/account/agents/${encodeURIComponent(agent.client_id)}/delegate`, [['scopes', 'mcp']]);
    expect(post.status).toBe(403);
    expect(post.html).toContain('has not made it available');
    expect(await delegationsOf(other)).toEqual([]);
    // The "someone else's agent" form leads to the same refusal.
    const viaForm = await fetch(`${app.url}/account/agents/delegate?agent_id=${encodeURIComponent(agent.client_id)}`, {
      headers: { cookie: other.cookie },
      redirect: 'manual',
    });
    expect(viaForm.status).toBe(303);
    expect(viaForm.headers.get('location')).toBe(`/account/agents/${encodeURIComponent(agent.client_id)}/delegate`);
    // Their own agent still works, as before.
    const mine = await registerAgent(app, owner, 'Own bot', ['mcp']);
    expect((await apiDelegate(owner, mine.client_id)).status).toBe(201);
  });

  it('works once the owner made it available (audited), and the delegate step and its answer name the owner', async () => {
    const name = `<b>ann</b>-${dialect}`;
    const annOwner = await createTestUser(app);
    const agent = await registerAgent(app, annOwner, 'Calendar bot', ['mcp']);
    // Others would see the owner's username: one is needed first.
    const noName = await availability(annOwner, agent.client_id, true);
    expect(noName.status).toBe(409);
    expect(noName.body.message).toMatch(/Choose a username/);
    await setUsername(annOwner, name);

    const toggle = await submitForm(app, annOwner, `/account/agents/${encodeURIComponent(agent.client_id)}/availability`, [
      ['available', '1'],
    ]);
    expect(toggle.status).toBe(303);
    expect(toggle.html).toContain('Calendar bot is available for delegation by others');
    expect(toggle.html).toContain('Others may delegate to it');
    expect(await events(annOwner, 'agent.made_available')).toEqual([{ target_id: agent.client_id }]);
    // Again: nothing changes, nothing is recorded twice.
    expect((await availability(annOwner, agent.client_id, true)).status).toBe(200);
    expect(await events(annOwner, 'agent.made_available')).toHaveLength(1);

    const page = await delegatePage(other, agent.client_id);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/data-testid="agent-owner"[^>]*>This agent is run by <strong>&lt;b>ann&lt;\/b>-\w+<\/strong>, not by you/);
    expect(html).toContain('data-testid="delegate-form"');
    const post = await submitForm(app, other, `/account/agents/${encodeURIComponent(agent.client_id)}/delegate`, [
      ['scopes', 'mcp'],
      ['expires_in', '3600'],
    ]);
    expect(post.status).toBe(303);
    expect(post.html).toContain('Delegated mcp to an agent run by &lt;b>ann&lt;/b>');
    expect(post.html).toContain('data-testid="agent-run-by"');
    const api = await apiDelegate(other, agent.client_id);
    expect(api.status).toBe(201);
    expect(api.body.agent_owner).toBe(name);
    expect((await delegationsOf(other)).map((d) => d.agent_id)).toEqual([agent.client_id, agent.client_id]);
    // The owner's own delegation names no owner.
    expect((await apiDelegate(annOwner, agent.client_id)).body.agent_owner).toBeUndefined();

    // Stopped: new delegations are refused again (audited).
    const stop = await availability(annOwner, agent.client_id, false);
    expect(stop).toEqual({ status: 200, body: { agent_id: agent.client_id, available: false } });
    expect(await events(annOwner, 'agent.made_unavailable')).toEqual([{ target_id: agent.client_id }]);
    expect((await apiDelegate(other, agent.client_id)).status).toBe(403);
    expect((await delegatePage(other, agent.client_id)).status).toBe(403);
  });

  it('only the owner can make an agent available; bad values are refused; deleting the agent forgets it', async () => {
    const agent = await registerAgent(app, owner, 'Shared bot', ['mcp']);
    const notOwner = await availability(other, agent.client_id, true);
    expect(notOwner.status).toBe(404);
    const form = await submitForm(app, other, `/account/agents/${encodeURIComponent(agent.client_id)}/availability`, [['available', '1']]);
    expect(form.status).toBe(404);
    expect((await apiDelegate(other, agent.client_id)).status).toBe(403);
    expect((await availability(owner, agent.client_id, 'maybe')).status).toBe(400);
    expect(
      (await submitForm(app, owner, `/account/agents/${encodeURIComponent(agent.client_id)}/availability`, [['available', 'x']])).status,
    ).toBe(400);
    expect((await availability(owner, 'c_nobody', true)).status).toBe(404);

    expect((await availability(owner, agent.client_id, true)).status).toBe(200);
    expect((await apiDelegate(other, agent.client_id)).status).toBe(201);
    const del = await submitForm(app, owner, `/account/agents/${encodeURIComponent(agent.client_id)}/delete`);
    expect(del.status).toBe(303);
    expect(await app.ctx.db.selectFrom('agent_availability').selectAll().where('agent_id', '=', agent.client_id).execute()).toEqual([]);
    expect((await apiDelegate(other, agent.client_id)).status).toBe(404);
  });
});
