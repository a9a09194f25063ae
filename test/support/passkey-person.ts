import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addVirtualAuthenticator, type VirtualAuthenticator } from './browser.js';
import type { TestApp } from './test-app.js';
import type { TestUser } from './test-user.js';

/** A person's browser: their session cookie, a virtual authenticator, and a passkey added on /account/passkeys. */
export async function personWithPasskey(
  browser: Browser,
  app: TestApp,
  user: TestUser,
  width = 1280,
): Promise<{ context: BrowserContext; page: Page; auth: VirtualAuthenticator }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const [name, value] = user.cookie.split('=');
  await context.addCookies([{ name: name!, value: value!, url: app.url }]);
  const page = await context.newPage();
  const auth = await addVirtualAuthenticator(page);
  await page.goto(`${app.url}/account/passkeys`);
  await page.getByTestId('add-passkey').click();
  await page.waitForSelector('[data-testid="passkey-row"]');
  return { context, page, auth };
}
