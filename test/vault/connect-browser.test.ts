import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { createConnectSession } from '../../src/vault/connect/connect-sessions.js';
import { launchBrowser, newPasskeyPage, signUpWithPasskey, watchCspErrors } from '../support/browser.js';
import { botToken, startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';
import { UPSTREAM_LOGIN } from '../support/upstream-oidc.js';
import { newApiKey } from './server-api-helpers.js';
import { startConnectRig, type ConnectRig } from './connect-helpers.js';

/** Set OAUTH3_SCREENSHOTS=<dir> to keep the pages of the flow at both widths. */
const shots = process.env.OAUTH3_SCREENSHOTS;
const widths = [1280, 390];

/** At each width: no sideways scrolling; a screenshot when asked for. */
async function atBothWidths(page: Page, name: string): Promise<void> {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
    expect(scroll, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(inner);
    if (shots) await page.screenshot({ path: join(shots, `vault-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The upstream's own pages, clicked: its login form (when it asks) and its consent form. */
async function throughUpstream(page: Page, upstreamOrigin: string): Promise<void> {
  await page.waitForURL((u) => u.origin === upstreamOrigin);
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', UPSTREAM_LOGIN);
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');
  }
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('connecting an account in Chromium: passkey sign-up, the upstream’s own login and consent pages, the Connections page', () => {
  let rig: ConnectRig;
  let browser: Browser;
  let telegram: TelegramBotApi;
  beforeAll(async () => {
    telegram = await startTelegramBotApi();
    [rig, browser] = await Promise.all([startConnectRig('sqlite', [{ preset: 'telegram', api_base: telegram.url }]), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
    await telegram?.close();
  });

  it('connects from the page and for a server, shows both, refuses another person, and disconnects with an upstream revocation', async () => {
    const { app, upstream } = rig;
    const { context, page } = await newPasskeyPage(browser);
    const csp = watchCspErrors(page);
    const { userId } = await signUpWithPasskey(page, app.url);

    // The person connects it from the Connections page.
    await page.goto(`${app.url}/account/connections`);
    await expect(page.getByTestId('no-connections').textContent()).resolves.toContain('not connected any account');
    await atBothWidths(page, 'connections-empty');
    await page.locator('[data-testid="connect-provider"][data-provider="upstream"]').click();
    await throughUpstream(page, upstream.issuer);
    await page.waitForURL(`${app.url}/account/connections`);
    await expect(page.getByTestId('flash-ok').textContent()).resolves.toBe('Connected Upstream as alice@upstream.test.');
    await expect(page.getByTestId('connection-account').textContent()).resolves.toBe('alice@upstream.test');

    // A Telegram bot: a wrong token is refused with a message, a good one connected; neither is shown again.
    await page.locator('[data-testid="connect-provider"][data-provider="telegram"]').click();
    const wrong = botToken();
    await page.getByTestId('key-field-bot_token').fill(wrong);
    await page.getByTestId('save-key').click();
    await expect(page.getByTestId('flash-error').textContent()).resolves.toBe('Telegram bot refused the bot token (HTTP 401).');
    await expect(page.getByTestId('key-field-bot_token').inputValue()).resolves.toBe('');
    await atBothWidths(page, 'key-refused');
    const token = telegram.addBot('weather_bot');
    await page.getByTestId('key-field-bot_token').fill(token);
    await page.getByTestId('save-key').click();
    await page.waitForURL(`${app.url}/account/connections`);
    await expect(page.getByTestId('flash-ok').textContent()).resolves.toContain('Connected Telegram bot as @weather_bot.');
    expect(await page.content()).not.toContain(token.split(':')[1]);

    // A server asks for it (its auth_url), the person approves on the gateway, then at the upstream again.
    const server = await newApiKey(app, 'Calendar MCP');
    const s = await createConnectSession(app.ctx, {
      userId,
      provider: 'upstream',
      scopes: ['openid', 'email', 'offline_access'],
      apiKeyId: server.id,
    });
    await page.goto(`${app.url}/auth/connect/${s.id}`);
    await expect(page.getByTestId('connect-server').textContent()).resolves.toBe('Calendar MCP');
    await expect(page.getByTestId('already-connected').textContent()).resolves.toContain('alice@upstream.test');
    await atBothWidths(page, 'approve');
    await page.getByTestId('approve').click();
    await throughUpstream(page, upstream.issuer);
    await page.waitForURL(`${app.url}/account/connections`);
    await expect(page.locator('[data-provider="upstream"] [data-testid="allowed-server"]').textContent()).resolves.toContain(
      'Calendar MCP',
    );
    expect(await vaultOf(app.ctx).isAllowed(userId, 'upstream', server.server)).toBe(true);
    // Relative local times once the page's script ran.
    await expect(page.locator('article time').first().textContent()).resolves.not.toMatch(/UTC$/);
    await atBothWidths(page, 'connections');

    // Another person opening that kind of link: refused, with a way to sign in as the right one.
    const other = await newPasskeyPage(browser);
    await signUpWithPasskey(other.page, app.url);
    const s2 = await createConnectSession(app.ctx, { userId, provider: 'upstream', scopes: [], apiKeyId: server.id });
    const refused = await other.page.goto(`${app.url}/auth/connect/${s2.id}`);
    expect(refused!.status()).toBe(403);
    await expect(other.page.getByTestId('error-message').textContent()).resolves.toContain('This connect link is for another person');
    await atBothWidths(other.page, 'wrong-person');
    await other.context.close();

    // Disconnect: a confirmation naming what stops working, then the upstream is told (RFC 7009).
    const revocations = upstream.counts.revocation;
    await page.locator('[data-provider="upstream"] [data-testid="disconnect"]').click();
    await expect(page.getByTestId('confirm-step').textContent()).resolves.toContain(
      'Calendar MCP can no longer get tokens of this account',
    );
    await atBothWidths(page, 'disconnect');
    await page.getByTestId('confirm').click();
    await page.waitForURL(`${app.url}/account/connections`);
    await expect(page.getByTestId('flash-ok').textContent()).resolves.toContain('Disconnected Upstream (alice@upstream.test)');
    expect(upstream.counts.revocation).toBe(revocations + 1);
    await expect(page.locator('[data-testid="connection"]').count()).resolves.toBe(1); // the bot stays
    expect(csp).toEqual([]);
    await context.close();
  });
});
