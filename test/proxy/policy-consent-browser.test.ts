import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { callAction } from '../support/plugin-call.js';
import { exchange, pkce, publicClient } from '../oauth/support/oauth-helpers.js';

describe('setting limits on the consent page (Chromium, SQLite)', () => {
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  let browser: Browser;
  const redirectUri = 'http://127.0.0.1:9/cb';

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    app = gw.app;
    user = await createTestUser(app);
    await connectUpstream(app, user.userId, gw.upstream);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('a person allows an app with a rate of 1 a day on echo.say: the second call is 429; consent and Apps pages fit 1280 and 390 px', async () => {
    const [name, value] = user.cookie.split('=');
    for (const width of [1280, 390]) {
      const client = await publicClient(app, redirectUri, { client_name: `Limited ${width}` });
      const { verifier, challenge } = pkce();
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: 'echo.say',
        state: 'st',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      let back: URL | undefined;
      await page.route('http://127.0.0.1:9/**', (route) => {
        back = new URL(route.request().url());
        return route.fulfill({ status: 200, contentType: 'text/plain', body: 'back' });
      });
      await page.goto(`${app.url}/authorize?${params}`);
      await page.waitForSelector('[data-testid="consent"]');
      await page.click('[data-testid="policy-fields"] summary');
      await page.fill('input[name="policy_rate_count:echo.say"]', '1');
      await page.selectOption('select[name="policy_rate_per:echo.say"]', 'day');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-consent-${width}.png`, fullPage: true });
      await page.click('[data-testid="approve"]');
      await page.waitForURL(/127\.0\.0\.1:9\/cb/);
      const code = back!.searchParams.get('code')!;
      const tokens = await exchange(app, client.client_id, code, verifier, redirectUri);
      expect(tokens.status).toBe(200);
      const token = tokens.body.access_token as string;
      expect((await callAction(app, 'echo/say', token, { text: 'one' })).status).toBe(200);
      const second = await callAction(app, 'echo/say', token, { text: 'two' });
      expect([second.status, second.body.message]).toEqual([429, 'echo.say: at most 1 a day.']);

      await page.goto(`${app.url}/account/apps`);
      expect(await page.content()).toContain('Limits: echo.say: at most 1 a day');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-apps-${width}.png`, fullPage: true });
      await page.locator(`[data-testid="edit-app-limits"]`).first().click();
      await page.waitForSelector('[data-testid="app-limits-form"]');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-apps-edit-${width}.png`, fullPage: true });
      // A limit the form cannot mean (a maximum length without its field): the form again, as typed, with why; nothing saved
      const editUrl = page.url();
      await page.fill('input[name="policy_max_length:echo.say"]', '5');
      await page.click('[data-testid="app-limits-submit"]');
      await page.waitForSelector('[data-testid="flash-error"]');
      expect(page.url()).toBe(editUrl);
      expect(await page.textContent('[data-testid="flash-error"]')).toMatch(/^Nothing was saved: .*field must name an input field/);
      expect(await page.inputValue('input[name="policy_max_length:echo.say"]')).toBe('5');
      expect(await page.inputValue('input[name="policy_rate_count:echo.say"]')).toBe('1');
      expect(await page.isVisible('[data-testid="app-limits-submit"]')).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-apps-refused-${width}.png`, fullPage: true });

      // Asked again (prompt=consent): the stored limits pre-filled, and the page says what submitting does
      params.set('prompt', 'consent');
      await page.goto(`${app.url}/authorize?${params}`);
      await page.waitForSelector('[data-testid="consent"]');
      expect(await page.inputValue('input[name="policy_rate_count:echo.say"]')).toBe('1');
      expect(await page.textContent('[data-testid="consent-limits-note"]')).toContain('These are the limits you set before');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-reconsent-${width}.png`, fullPage: true });

      // The API-token form, refused (a limit on an action whose scope is not chosen): the limits as typed, again
      await page.goto(`${app.url}/account/tokens`);
      await page.fill('input[name="name"]', `refused ${width}`);
      await page.check('input[name="scopes"][value="echo.say"]');
      await page.click('[data-testid="create-token"] [data-testid="policy-fields"] summary');
      await page.fill('input[name="policy_rate_count:echo.fetch"]', '2');
      await page.fill('input[name="policy_rate_count:echo.say"]', '3');
      await page.click('[data-testid="create-token"] button[type="submit"]');
      await page.waitForSelector('[data-testid="flash-error"]');
      expect(await page.inputValue('input[name="policy_rate_count:echo.fetch"]')).toBe('2');
      expect(await page.inputValue('input[name="policy_rate_count:echo.say"]')).toBe('3');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/policy-token-refused-${width}.png`, fullPage: true });
      await context.close();
    }
  });
});
