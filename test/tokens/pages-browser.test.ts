import { describe, expect, it } from 'vitest';
import { newPasskeyPage, signUpWithPasskey, useAppAndBrowser, watchCspErrors } from '../support/browser.js';
import { delegate, exchange, registerAgent } from '../agents/agent-helpers.js';
import { tokenService } from '../support/tokens.js';

describe('API tokens and Agents pages in a real browser (Debian Chromium)', () => {
  const env = useAppAndBrowser();

  it('creates a token shown once, uses it, revokes it; revokes an agent chain with one button', async () => {
    const { app, browser } = env;
    const { page, context } = await newPasskeyPage(browser);
    const cspErrors = watchCspErrors(page);
    const { userId } = await signUpWithPasskey(page, app.url);

    await page.goto(`${app.url}/account/tokens`);
    await page.fill('input[name="name"]', 'laptop script');
    await page.check('input[name="scopes"][value="tokens.manage"]');
    await page.check('input[name="scopes"][value="agents.manage"]');
    await page.check('input[name="scopes"][value="delegate"]');
    await page.check('input[name="scopes"][value="mcp"]');
    await page.getByTestId('create-token-submit').click();
    await page.waitForURL(`${app.url}/account/tokens`);
    const token = (await page.getByTestId('shown-token').textContent())!.trim();
    expect(token).toMatch(/^o3p_/);

    // The token works as a bearer (an API client, not the browser) and the page shows its last use.
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers })).status).toBe(200);
    await tokenService(app.ctx).usage.flush();
    await page.goto(`${app.url}/account/tokens`);
    expect(await page.content()).not.toContain(token);
    await expect(page.getByTestId('token-row').first().textContent()).resolves.toContain('from 127.0.0.1');

    // Agents registered and delegated with that token, then exchanged down one level.
    const user = { userId, headers: { authorization: `Bearer ${token}` } } as unknown as Parameters<typeof registerAgent>[1];
    const a = await registerAgent(app, user, 'Inbox agent', ['mcp']);
    const b = await registerAgent(app, user, 'Sub agent', ['mcp']);
    const d = await delegate(app, user, a.client_id, ['mcp']);
    const t2 = (await exchange(app, a, { subject_token: d.delegation_token, requested_actor: b.client_id })).body.access_token as string;
    await page.goto(`${app.url}/account/agents`);
    const agent = page.locator(`[data-testid="agent"][data-client-id="${a.client_id}"]`);
    await expect(agent.getByTestId('chain-token').count()).resolves.toBe(2);
    await agent.getByTestId('revoke-agent').click();
    await page.getByTestId('confirm').click();
    await page.waitForSelector('[data-testid="flash-ok"]');
    await expect(page.getByTestId('flash-ok').textContent()).resolves.toBe('Access revoked (2 tokens).');
    for (const t of [d.delegation_token, t2]) await expect(app.ctx.tokens.verify(t)).rejects.toThrow('token revoked');

    // Revoke the API token from its page: refused on its next use.
    await page.goto(`${app.url}/account/tokens`);
    await page.getByTestId('revoke-token').first().click();
    await page.getByTestId('confirm').click();
    await page.waitForSelector('[data-testid="flash-ok"]');
    expect((await fetch(`${app.url}/api/v1/me/tokens`, { headers })).status).toBe(401);
    expect(cspErrors).toEqual([]);
    await context.close();
  });
});
