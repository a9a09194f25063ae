import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { newPasskeyPage, signUpWithPasskey } from './browser.js';

/** A person with a passkey on the gateway, signed out, in their own browser context. */
export async function passkeyPerson(browser: Browser, gatewayUrl: string): Promise<{ page: Page; userId: string; close(): Promise<void> }> {
  const { context, page } = await newPasskeyPage(browser);
  const { userId } = await signUpWithPasskey(page, gatewayUrl);
  await context.clearCookies();
  return { page, userId, close: () => context.close() };
}

/**
 * Does the browser step of `oauth3 login` on the gateway: opens the authorization URL the CLI printed, signs in
 * with the page's passkey (when asked to), approves (or denies) on the consent page, and waits for the loopback
 * callback's page. Returns that page's message.
 */
export async function gatewayBrowserStep(page: Page, authorizationUrl: string, decision: 'approve' | 'deny' = 'approve'): Promise<string> {
  await page.goto(authorizationUrl);
  if (new URL(page.url()).pathname === '/login') {
    await page.getByTestId('sign-in').click();
    await page.waitForURL((u) => u.pathname === '/oauth/authorize/page');
  }
  await page.getByTestId(decision).click();
  await page.waitForURL((u) => u.hostname === '127.0.0.1' && u.pathname === '/callback');
  return (await page.getByTestId('callback-message').textContent())!.trim();
}

/** The authorization URL the CLI prints on stderr (`oauth3 login --no-browser`), once it has printed it. */
export function printedLoginUrl(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no login URL printed: ${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = /^\s+(https?:\/\/\S+\/authorize\?\S+)$/m.exec(seen) ?? /^\s+(https?:\/\/\S+\?\S*code_challenge=\S+)$/m.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`oauth3 login exited ${code} before printing a URL: ${seen}`)));
  });
}

/** Collects a child's output and resolves its exit code. */
export function collect(child: ChildProcess): { out: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  return { out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}
