import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './test-app.js';

/** Debian's Chromium: never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Debian Chromium through playwright-core. Playwright gives every launch a fresh temporary
 * profile (user data dir), removed on close. One browser per test file; contexts are cheap.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** Credentials it holds (CDP WebAuthn.getCredentials). */
  credentials(): Promise<Array<{ credentialId: string; signCount: number; userHandle?: string; isResidentCredential: boolean }>>;
  /** Detaches it from the page (its passkeys become unavailable). */
  remove(): Promise<void>;
}

/**
 * Adds a CDP WebAuthn virtual authenticator to the page: CTAP2, internal (platform) transport, resident keys,
 * user verification always succeeding. Several may be added (each is a separate "device").
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/** A new browser context and page with one virtual authenticator attached. */
export async function newPasskeyPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; authenticator: VirtualAuthenticator }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const authenticator = await addVirtualAuthenticator(page);
  return { context, page, authenticator };
}

/** Signs up on /signup with the page's authenticator; resolves on the account page with the new user id. */
export async function signUpWithPasskey(page: Page, baseUrl: string, returnTo?: string): Promise<{ userId: string }> {
  await page.goto(`${baseUrl}/signup${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`);
  await page.getByTestId('sign-up').click();
  if (returnTo) {
    await page.waitForURL((u) => u.pathname + u.search === returnTo);
    return { userId: '' };
  }
  await page.waitForURL(`${baseUrl}/account`);
  return { userId: (await page.getByTestId('user-id').textContent())!.trim() };
}

/** Signs in on /login with a discoverable passkey (no username typed); resolves where sign-in leads. */
export async function signInWithPasskey(page: Page, baseUrl: string, returnTo = '/account'): Promise<void> {
  await page.goto(`${baseUrl}/login?return_to=${encodeURIComponent(returnTo)}`);
  await page.getByTestId('sign-in').click();
  await page.waitForURL((u) => u.pathname + u.search === returnTo);
}

/** Copies every credential (with its private key) of one virtual authenticator to another: the same passkey on a second device/context. */
export async function copyCredentials(from: VirtualAuthenticator, to: VirtualAuthenticator): Promise<void> {
  const { credentials } = await from.cdp.send('WebAuthn.getCredentials', { authenticatorId: from.authenticatorId });
  for (const credential of credentials) await to.cdp.send('WebAuthn.addCredential', { authenticatorId: to.authenticatorId, credential });
}

/**
 * One real gateway (SQLite) and one Chromium for the test file: started in beforeAll, stopped in afterAll.
 * Call inside `describe`; read `.app` and `.browser` in the tests.
 */
export function useAppAndBrowser(): { app: TestApp; browser: Browser } {
  const env = {} as { app: TestApp; browser: Browser };
  beforeAll(async () => {
    [env.app, env.browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.app?.stop();
  });
  return env;
}

/** Collects Content-Security-Policy violations the page reports (a page must raise none). */
export function watchCspErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}
