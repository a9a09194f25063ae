import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { addVirtualAuthenticator, copyCredentials, newPasskeyPage, signUpWithPasskey, useAppAndBrowser } from '../support/browser.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

/** Names the signed-in account (PATCH /api/v1/me from the page, with its CSRF token), so the header can say who it is. */
const nameAccount = (page: Page, username: string) =>
  page.evaluate(async (name) => {
    const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content;
    const res = await fetch('/api/v1/me', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ username: name }),
    });
    if (!res.ok) throw new Error(`PATCH /api/v1/me: ${res.status}`);
  }, username);

describe('signing in as another account from a signed-in session (/login?reauth=1) in Chromium', () => {
  const env = useAppAndBrowser();

  it('shows the sign-in page despite the session, switches to the account whose passkey is used, and an app asking prompt=login gets that account', async () => {
    const { app, browser } = env;
    // Bea has an account on another device; Ada signs up on this one.
    const bea = await newPasskeyPage(browser);
    const { userId: beaId } = await signUpWithPasskey(bea.page, app.url);
    await nameAccount(bea.page, 'bea');
    const ada = await newPasskeyPage(browser);
    const { userId: adaId } = await signUpWithPasskey(ada.page, app.url);
    await nameAccount(ada.page, 'ada');
    const { page } = ada;

    // Without reauth=1, a signed-in person asking for /login is sent on: no sign-in page.
    await page.goto(`${app.url}/login?return_to=${encodeURIComponent('/account/passkeys')}`);
    expect(new URL(page.url()).pathname).toBe('/account/passkeys');
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('Signed in as ada');

    // This device now holds Bea's passkey only (she uses it here).
    await ada.authenticator.remove();
    const here = await addVirtualAuthenticator(page);
    await copyCredentials(bea.authenticator, here);

    // With reauth=1 the sign-in page is shown although Ada is signed in, and the passkey used decides who is.
    await page.goto(`${app.url}/login?reauth=1&return_to=${encodeURIComponent('/account')}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${app.url}/account`);
    await expect(page.getByTestId('user-id').textContent()).resolves.toBe(beaId);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('Signed in as bea');
    expect(beaId).not.toBe(adaId);

    // An OpenID client asks for a fresh sign-in (prompt=login): the session does not skip it, and the ID token
    // names who signed in then.
    const config = await oidc.dynamicClientRegistration(
      new URL(app.url),
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', client_name: 'Notes' },
      undefined,
      insecure,
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const start = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      prompt: 'login',
    });
    let callback: URL | undefined;
    await page.route(`${REDIRECT}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' });
    });
    const beforeSignIn = Date.now();
    await page.goto(start.href);
    const login = new URL(page.url());
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('reauth')).toBe('1');
    await page.getByTestId('sign-in').click();
    await page.waitForSelector('[data-testid="consent"]');
    await expect(page.getByTestId('granting-account').textContent()).resolves.toContain('Signed in as bea');
    await page.getByTestId('approve').click();
    await page.waitForURL(`${REDIRECT}**`);
    const tokens = await oidc.authorizationCodeGrant(config, callback!, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(beaId);
    expect(claims.auth_time! * 1000).toBeGreaterThanOrEqual(Math.floor(beforeSignIn / 1000) * 1000);
    await Promise.all([ada.context.close(), bea.context.close()]);
  });
});
