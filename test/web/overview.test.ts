import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { delegate, registerAgent } from '../agents/agent-helpers.js';

describe.each(dialects)('the landing page and the account overview on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('greets a visitor with what oauth3 is and the ways in; sends a signed-in person to the overview', async () => {
    const visitor = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect(visitor.status).toBe(200);
    const html = await visitor.text();
    expect(html).toContain('data-testid="landing"');
    expect(html).toContain('href="/signup"');
    expect(html).toContain('href="/docs"');
    const u = await createTestUser(app);
    const signedIn = await fetch(`${app.url}/`, { headers: { cookie: u.cookie }, redirect: 'manual' });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get('location')).toBe('/account/overview');
    const anonymous = await fetch(`${app.url}/account/overview`, { redirect: 'manual' });
    expect(anonymous.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account/overview')}`);
  });

  it('sums up the account: passkeys, devices, tokens expiring soon, agents with live access, apps, recent events', async () => {
    const u = await createTestUser(app);
    const create = (name: string, days: number) =>
      fetch(`${app.url}/api/v1/me/tokens`, {
        method: 'POST',
        headers: { ...u.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name, scopes: ['mcp'], expires_in_days: days }),
      });
    expect((await create('soon gone', 3)).status).toBe(201);
    expect((await create('long lived', 90)).status).toBe(201);
    const agent = await registerAgent(app, u, 'Calendar helper', ['mcp']);
    await delegate(app, u, agent.client_id, ['mcp']);
    await app.ctx.audit.flush();
    const html = await (await fetch(`${app.url}/account/overview`, { headers: { cookie: u.cookie } })).text();
    expect(html).toContain('Signed in');
    const card = (id: string) =>
      html.slice(html.indexOf(`data-testid="${id}"`), html.indexOf('</article>', html.indexOf(`data-testid="${id}"`)));
    expect(card('overview-tokens')).toContain('2 live tokens');
    expect(card('overview-tokens')).toContain('soon gone');
    expect(card('overview-tokens')).not.toContain('long lived');
    expect(card('overview-agents')).toContain('Calendar helper');
    expect(card('overview-agents')).toContain('1 with live access');
    expect(card('overview-sessions')).toContain('1 device');
    expect(card('overview-passkeys')).toContain('0 passkeys');
    expect(card('overview-apps')).toContain('No app has access');
    expect(card('overview-events')).toContain('Rights delegated to an agent');
  });
});
