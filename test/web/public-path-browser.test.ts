import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, launchBrowser, newPasskeyPage, signUpWithPasskey, watchCspErrors } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PREFIX = '/auth';

/**
 * The gateway behind a proxy at `http://localhost:<port>/auth`. A proxy forwards `/auth/…` unchanged and nothing
 * else, so the browser reaches the gateway's port directly and every request it makes must stay under /auth.
 */
describe('passkeys in Chromium under a public URL with a path (/auth)', () => {
  let app: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    [app, browser] = await Promise.all([startTestApp('sqlite', { port, publicUrl: `${origin}${PREFIX}` }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('signs up, adds a passkey, signs out and in again, every request and navigation staying under /auth', async () => {
    const { page, context, authenticator } = await newPasskeyPage(browser);
    const cspErrors = watchCspErrors(page);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));

    const { userId } = await signUpWithPasskey(page, app.url);
    expect(userId).toMatch(/^usr_/);
    expect(new URL(page.url()).pathname).toBe(`${PREFIX}/account`);

    // Through the navigation, by clicking, as a person would.
    await page.getByRole('link', { name: 'Passkeys' }).click();
    await page.waitForURL(`${app.url}/account/passkeys`);
    await authenticator.remove();
    await addVirtualAuthenticator(page);
    await page.fill('#new-passkey-name', 'Second key');
    await page.getByTestId('add-passkey').click();
    await page.waitForURL(`${app.url}/account/passkeys?ok=added`);
    await expect(page.getByTestId('passkey-row').count()).resolves.toBe(2);

    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${app.url}/login`);
    // No return_to: the sign-in API's redirect (the default, /account) is put under the prefix too.
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${app.url}/account`);
    await expect(page.getByTestId('user-id').textContent()).resolves.toBe(userId);
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${app.url}/login`);
    // return_to names the page as routes do; the browser is sent to it under /auth.
    await page.goto(`${app.url}/login?return_to=${encodeURIComponent('/account/sessions')}`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${app.url}/account/sessions`);
    await expect(page.getByTestId('session-row').count()).resolves.toBe(1);

    const outside = requested.filter((u) => u.startsWith(origin) && !new URL(u).pathname.startsWith(`${PREFIX}/`));
    expect(outside).toEqual([]);
    expect(requested.some((u) => u.startsWith(`${app.url}/api/v1/signin`))).toBe(true);
    expect(requested).toContain(`${app.url}/static/app.js`);
    expect(requested).toContain(`${app.url}/static/pico.min.css`);
    // the styles apply (Pico's font, not the browser's default serif)
    await expect(page.evaluate(() => getComputedStyle(document.body).fontFamily)).resolves.toMatch(/system-ui/);
    if (process.env.OAUTH3_SCREENSHOTS)
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: `${process.env.OAUTH3_SCREENSHOTS}/under-auth-sessions-${width}.png`, fullPage: true });
      }
    expect(cspErrors).toEqual([]);
    await context.close();
  });
});
