import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPasskeyPage, watchCspErrors } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { inviteToSignUp } from '../../src/accounts/index.js';

describe('sign-up by invitation in a real browser (OAUTH3_SIGNUP=invite)', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('sqlite', { signup: 'invite' }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an invite link opens the sign-up page and makes the account; without one the page says an invitation is needed', async () => {
    const { link } = await inviteToSignUp(app.ctx, { ttlMs: 3_600_000 });
    const a = await newPasskeyPage(browser);
    const cspErrors = watchCspErrors(a.page);
    await a.page.goto(link);
    expect(new URL(a.page.url()).search).toBe('?return_to=%2Faccount'); // the token left the address bar
    await a.page.getByTestId('sign-up').click();
    await a.page.waitForURL(`${app.url}/account`);
    await expect(a.page.getByTestId('user-id').textContent()).resolves.toMatch(/usr_/);
    expect(cspErrors).toEqual([]);

    const b = await newPasskeyPage(browser);
    for (const url of [`${app.url}/signup`, link]) {
      const res = await b.page.goto(url);
      expect(res?.status()).toBe(403);
      await expect(b.page.getByTestId('sign-up').count()).resolves.toBe(0);
      await expect(b.page.getByTestId('message').textContent()).resolves.toMatch(/needs an invitation|expired or was already used/);
    }
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
