import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import type { UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import type { EchoUpstream } from '../support/echo-plugin-upstream.js';
import { callAction } from '../support/plugin-call.js';
import { delegate, registerAgent } from '../agents/agent-helpers.js';
import { grantPolicy } from '../../src/proxy/index.js';

describe('setting a policy on the delegation form (Chromium, SQLite)', () => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    ({ app, upstream, echo } = gw);
    user = await createTestUser(app);
    await connectUpstream(app, user.userId, upstream);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  const call = async (token: string, text: string) => (await callAction(app, 'echo/say', token, { text })).status;

  it('a person sets a rate, a maximum length and "ask" while delegating; the proxy enforces it; the form fits 1280 and 390 px', async () => {
    const agent = await registerAgent(app, user, 'Policy browser agent', ['echo.say']);
    const [name, value] = user.cookie.split('=');
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      await page.goto(`${app.url}/account/agents/${agent.client_id}/delegate`);
      await page.check('input[name="scopes"][value="echo.say"]');
      await page.click('[data-testid="policy-fields"] summary');
      await page.fill('input[name="policy_rate_count:echo.say"]', '1');
      await page.selectOption('select[name="policy_rate_per:echo.say"]', 'hour');
      // The field inputs suggest the action's fields; a field it lacks is refused, saying which fields there are
      expect(await page.getAttribute('input[name="policy_max_field:echo.say"]', 'list')).toBe('policy-text-fields-0');
      expect(await page.locator('#policy-text-fields-0 option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual([
        'text',
      ]);
      await page.fill('input[name="policy_max_field:echo.say"]', 'txt');
      await page.fill('input[name="policy_max_length:echo.say"]', '4');
      await page.click('[data-testid="delegate-submit"]');
      await expect.poll(() => page.content()).toContain('no action of echo.say has input field "txt" (their fields: text, times)');
      await page.screenshot({ path: `/tmp/policy-delegate-refused-${width}.png`, fullPage: true });
      // The form again as it was sent: nothing typed is lost; the person corrects the field and sends it
      expect(await page.inputValue('input[name="policy_max_field:echo.say"]')).toBe('txt');
      expect(await page.inputValue('input[name="policy_max_length:echo.say"]')).toBe('4');
      expect(await page.isChecked('input[name="scopes"][value="echo.say"]')).toBe(true);
      await page.fill('input[name="policy_rate_count:echo.say"]', '1');
      await page.selectOption('select[name="policy_rate_per:echo.say"]', 'hour');
      await page.fill('input[name="policy_max_field:echo.say"]', 'text');
      await page.fill('input[name="policy_max_length:echo.say"]', '4');
      await page.check('input[name="policy_ask:echo.say"]');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-delegate-form-${width}.png`, fullPage: true });
      await page.click('[data-testid="delegate-submit"]');
      await page.waitForURL(/\/account\/agents$/);
      const token = (await page.locator('[data-testid="secret-value"], code, input[readonly]').allInnerTexts()).find(
        (t) => t.split('.').length === 3,
      );
      const html = await page.content();
      const jwt = token ?? html.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)?.[0];
      expect(jwt).toBeTruthy();
      const id = (
        await app.ctx.db
          .selectFrom('delegations')
          .select('id')
          .where('jti', 'is not', null)
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow()
      ).id;
      expect(await grantPolicy(app.ctx, id)).toEqual({
        actions: {
          'echo.say': { rate: { count: 1, per: 'hour' }, constraints: [{ kind: 'max_length', field: 'text', max: 4 }], ask: true },
        },
      });
      expect(await call(jwt!, 'too long')).toBe(403);
      // "Ask" was set: 202 (the person approves it; nothing ran), counted when asked.
      expect(await call(jwt!, 'ok')).toBe(202);
      expect(await call(jwt!, 'ok')).toBe(429);
      await context.close();
    }
  });

  it('the Agents page shows a delegation’s limits in words; editing them takes effect on the next call; no one else can', async () => {
    const agent = await registerAgent(app, user, 'Policy edit agent', ['echo.say']);
    const d = await delegate(app, user, agent.client_id, ['echo.say'], {
      policy: { actions: { 'echo.say': { rate: { count: 1, per: 'day' }, constraints: [{ kind: 'max_length', field: 'text', max: 2 }] } } },
    });
    expect(await call(d.delegation_token, 'ok')).toBe(200);
    expect(await call(d.delegation_token, 'ok')).toBe(429);
    const [name, value] = user.cookie.split('=');
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      await page.goto(`${app.url}/account/agents`);
      const shown = page.locator(`[data-testid="delegation-policy"][data-delegation-id="${d.delegation_id}"]`);
      expect(await shown.innerText()).toContain('echo.say: at most 1 a day; text at most 2 characters');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-agents-page-${width}.png`, fullPage: true });
      await context.close();
    }
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    await context.addCookies([{ name, value, url: app.url }]);
    const page = await context.newPage();
    await page.goto(`${app.url}/account/agents`);
    await page.click(`[data-testid="delegation-policy"][data-delegation-id="${d.delegation_id}"] [data-testid="edit-policy"]`);
    expect(await page.inputValue('input[name="policy_rate_count:echo.say"]')).toBe('1');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: '/tmp/policy-edit-form-390.png', fullPage: true });
    await page.fill('input[name="policy_rate_count:echo.say"]', '5');
    await page.fill('input[name="policy_max_field:echo.say"]', '');
    await page.fill('input[name="policy_max_length:echo.say"]', '');
    await page.click('[data-testid="policy-submit"]');
    await page.waitForURL(/\/account\/agents$/);
    expect(await page.content()).toContain('Limits saved');
    expect(await page.locator(`[data-testid="delegation-policy"][data-delegation-id="${d.delegation_id}"]`).innerText()).toContain(
      'echo.say: at most 5 a day',
    );
    await context.close();
    expect(await call(d.delegation_token, 'longer text')).toBe(200);
    // Someone else cannot see or change it.
    const stranger = await createTestUser(app);
    const res = await fetch(`${app.url}/account/agents/delegations/${d.delegation_id}/policy`, { headers: { cookie: stranger.cookie } });
    expect(res.status).toBe(404);
    const post = await fetch(`${app.url}/account/agents/delegations/${d.delegation_id}/policy`, {
      method: 'POST',
      headers: { ...stranger.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'policy_rate_count:echo.say': '1000' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(404);
    expect(await grantPolicy(app.ctx, d.delegation_id)).toEqual({ actions: { 'echo.say': { rate: { count: 5, per: 'day' } } } });
  });

  it('refuses a policy the form cannot mean (a maximum length without its field), naming it on the page', async () => {
    const agent = await registerAgent(app, user, 'Policy refusal agent', ['echo.say']);
    const [name, value] = user.cookie.split('=');
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    await context.addCookies([{ name, value, url: app.url }]);
    const page = await context.newPage();
    await page.goto(`${app.url}/account/agents/${agent.client_id}/delegate`);
    await page.check('input[name="scopes"][value="echo.say"]');
    await page.click('[data-testid="policy-fields"] summary');
    await page.fill('input[name="policy_max_length:echo.say"]', '4');
    await page.click('[data-testid="delegate-submit"]');
    expect(await page.content()).toContain('field must name an input field');
    expect(await app.ctx.db.selectFrom('delegations').select('id').where('agent_id', '=', agent.client_id).execute()).toEqual([]);
    await context.close();
  });
});
