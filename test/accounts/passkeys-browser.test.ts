import { describe, expect, it } from 'vitest';
import {
  addVirtualAuthenticator,
  copyCredentials,
  newPasskeyPage,
  signInWithPasskey,
  signUpWithPasskey,
  useAppAndBrowser,
  watchCspErrors,
} from '../support/browser.js';

describe('passkey accounts in a real browser (Debian Chromium, virtual authenticators)', () => {
  const env = useAppAndBrowser();

  it('signs up, adds a second passkey, signs in with it, renames and removes the first, logs out other devices, and logs it all', async () => {
    const { app, browser } = env;
    const a = await newPasskeyPage(browser);
    const cspErrors = watchCspErrors(a.page);

    // Sign up with the first authenticator: no username.
    const { userId } = await signUpWithPasskey(a.page, app.url);
    expect(userId).toMatch(/^usr_/);

    // Add a second passkey from a second authenticator (the first one is taken away, like switching devices).
    await a.page.goto(`${app.url}/account/passkeys`);
    await expect(a.page.getByTestId('passkey-row').count()).resolves.toBe(1);
    // the device name comes from the authenticator's AAGUID (Chromium's virtual authenticator here)
    await expect(a.page.getByTestId('passkey-name').first().textContent()).resolves.toBe('Virtual authenticator');
    const firstId = await a.page.getByTestId('passkey-row').first().getAttribute('data-passkey-id');
    await a.authenticator.remove();
    const second = await addVirtualAuthenticator(a.page);
    await a.page.fill('#new-passkey-name', 'Second key');
    await a.page.getByTestId('add-passkey').click();
    await a.page.waitForURL(/ok=added/);
    await expect(a.page.getByTestId('passkey-row').count()).resolves.toBe(2);
    await expect(a.page.getByTestId('passkey-name').allTextContents()).resolves.toContain('Second key');

    // Sign out, then sign in with the second passkey (nothing typed).
    await a.page.getByTestId('sign-out').click();
    await a.page.waitForURL(`${app.url}/login`);
    await signInWithPasskey(a.page, app.url);
    await expect(a.page.getByTestId('user-id').textContent()).resolves.toBe(userId);

    // Rename, then remove, the first passkey; the last one cannot be removed.
    await a.page.goto(`${app.url}/account/passkeys`);
    const firstRow = a.page.locator(`tr[data-passkey-id="${firstId}"]`);
    await firstRow.getByTestId('rename-input').fill('Old laptop <b>');
    await firstRow.getByTestId('rename').click();
    await a.page.waitForURL(/ok=renamed/);
    await expect(a.page.locator(`tr[data-passkey-id="${firstId}"] [data-testid=passkey-name]`).textContent()).resolves.toBe(
      'Old laptop <b>',
    );
    // Removing asks first (a page naming what stops working); cancel changes nothing, confirm removes.
    await a.page.locator(`tr[data-passkey-id="${firstId}"]`).getByTestId('remove').click();
    await expect(a.page.getByTestId('confirm-step').textContent()).resolves.toContain('You can no longer sign in with Old laptop <b>');
    await a.page.getByTestId('cancel').click();
    await expect(a.page.getByTestId('passkey-row').count()).resolves.toBe(2);
    await a.page.locator(`tr[data-passkey-id="${firstId}"]`).getByTestId('remove').click();
    await a.page.getByTestId('confirm').click();
    await a.page.waitForURL(/ok=removed/);
    await expect(a.page.getByTestId('passkey-row').count()).resolves.toBe(1);
    await a.page.getByTestId('remove').click();
    await expect(a.page.getByTestId('error-message').textContent()).resolves.toContain('Add another passkey first');
    await expect(a.page.locator('[data-testid=confirm]').count()).resolves.toBe(0);

    // A second browser context signs in with the same passkey (synced to it).
    const b = await newPasskeyPage(browser);
    await copyCredentials(second, b.authenticator);
    await signInWithPasskey(b.page, app.url);
    await a.page.goto(`${app.url}/account/sessions`);
    await expect(a.page.getByTestId('session-row').count()).resolves.toBe(2);
    await expect(a.page.locator('tr[data-current="true"]').count()).resolves.toBe(1);

    // "Log out other devices" from the first: the second is signed out on its very next request.
    await a.page.getByTestId('logout-others').click();
    await expect(a.page.getByTestId('confirm-step').textContent()).resolves.toContain('This browser stays signed in');
    await a.page.getByTestId('confirm').click();
    await a.page.waitForURL(/ok=others/);
    await expect(a.page.getByTestId('session-row').count()).resolves.toBe(1);
    await b.page.goto(`${app.url}/account`);
    expect(new URL(b.page.url()).pathname).toBe('/login');
    // Signing in again there through passkey autofill (conditional UI): focusing the account field is enough.
    await b.page.focus('#username');
    await b.page.waitForURL(`${app.url}/account`);
    await a.page.goto(`${app.url}/account`);
    expect(new URL(a.page.url()).pathname).toBe('/account');

    // The access log shows all of it.
    await a.page.goto(`${app.url}/account/events`);
    const actions = await a.page
      .getByTestId('event-row')
      .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-action')}:${r.getAttribute('data-result')}`));
    for (const expected of [
      'account.signed_up:success',
      'passkey.added:success',
      'passkey.renamed:success',
      'passkey.removed:success',
      'account.signed_in:success',
      'session.created:success',
      'session.revoked:success',
    ]) {
      expect(actions).toContain(expected);
    }
    expect(actions.filter((x) => x === 'passkey.added:success')).toHaveLength(2);
    expect(actions.filter((x) => x === 'session.revoked:success')).toHaveLength(2); // sign out + other device
    expect(actions.filter((x) => x === 'account.signed_in:success')).toHaveLength(3); // A, B, B again by autofill
    await a.page.selectOption('#kind', 'passkey');
    await a.page.getByTestId('filter').click();
    await a.page.waitForURL(/kind=passkey/);
    const filtered = await a.page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(new Set(filtered)).toEqual(new Set(['passkey.added', 'passkey.renamed', 'passkey.removed']));
    // every page's form controls have labels
    for (const path of ['/account', '/account/passkeys', '/account/sessions', '/account/events']) {
      await a.page.goto(`${app.url}${path}`);
      const unlabelled = await a.page
        .locator('input:not([type=hidden]), select')
        .evaluateAll((els) =>
          els.filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
        );
      expect(unlabelled, path).toEqual([]);
    }
    expect(cspErrors).toEqual([]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  it('explains failures: unsupported browser, cancelled ceremony, a passkey that does not verify, an expired challenge', async () => {
    const { app, browser } = env;
    const plain = await browser.newContext();
    await plain.addInitScript(() => {
      delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    const old = await plain.newPage();
    await old.goto(`${app.url}/login`);
    await expect(old.getByTestId('message').textContent()).resolves.toContain('does not support passkeys');
    await expect(old.getByTestId('sign-in').isDisabled()).resolves.toBe(true);
    await plain.close();

    const cancelling = await browser.newContext();
    await cancelling.addInitScript(() => {
      navigator.credentials.create = () =>
        Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
    });
    const cancelled = await cancelling.newPage();
    await cancelled.goto(`${app.url}/signup`);
    await cancelled.getByTestId('sign-up').click();
    await cancelled.waitForFunction(() => /cancelled or timed out/.test(document.getElementById('message')?.textContent ?? ''));
    await expect(cancelled.getByTestId('sign-up').isDisabled()).resolves.toBe(false); // can try again
    await cancelling.close();

    const c = await newPasskeyPage(browser);
    const { userId } = await signUpWithPasskey(c.page, app.url);
    await c.page.getByTestId('sign-out').click();
    await c.page.waitForURL(`${app.url}/login`);
    await c.authenticator.cdp.send('WebAuthn.setResponseOverrideBits', {
      authenticatorId: c.authenticator.authenticatorId,
      isBogusSignature: true,
    });
    await c.page.getByTestId('sign-in').click();
    await c.page.waitForFunction(() => /could not be verified/.test(document.getElementById('message')?.textContent ?? ''));
    expect(new URL(c.page.url()).pathname).toBe('/login');
    await c.authenticator.cdp.send('WebAuthn.setResponseOverrideBits', {
      authenticatorId: c.authenticator.authenticatorId,
      isBogusSignature: false,
    });

    await c.page.route('**/api/v1/signin/options', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      await app.ctx.db
        .updateTable('webauthn_challenges')
        .set({ expires_at: Date.now() - 1 })
        .where('challenge', '=', json.challenge)
        .execute();
      await route.fulfill({ response, json });
    });
    await c.page.getByTestId('sign-in').click();
    await c.page.waitForFunction(() => /expired/.test(document.getElementById('message')?.textContent ?? ''));
    await c.page.unroute('**/api/v1/signin/options');
    await c.page.getByTestId('sign-in').focus(); // by keyboard
    await c.page.keyboard.press('Enter');
    await c.page.waitForURL(`${app.url}/account`);

    await c.page.goto(`${app.url}/account/events?kind=sign-in`);
    const results = await c.page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-result')));
    expect(results).toEqual(['success', 'failure', 'failure']); // newest first: the good one, expired, bad signature
    expect(userId).toMatch(/^usr_/);
    await c.context.close();
  });

  it('shows the OpenAPI page at /docs under the CSP', async () => {
    const { app, browser } = env;
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors = watchCspErrors(page);
    await page.goto(`${app.url}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    await expect(page.locator('#swagger-ui').textContent()).resolves.toContain('/api/v1/me/sessions');
    expect(cspErrors).toEqual([]);
    await context.close();
  });
});
