import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileTokenStore } from '../../src/client/index.js';
import { launchBrowser } from '../support/browser.js';
import { spawnCli } from '../support/run-cli.js';
import { collect, printedLoginUrl } from '../support/cli-login.js';
import { startUpstreamOidc, UPSTREAM_LOGIN, type UpstreamOidc } from '../support/upstream-oidc.js';

/** node-oidc-provider's development interactions, done in Chromium: its login form, then its consent form. */
async function oidcProviderBrowserStep(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await page.locator('input[name="login"]').fill(UPSTREAM_LOGIN);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/') || u.hostname === '127.0.0.1');
  if (new URL(page.url()).pathname !== '/callback') await page.locator('button[type="submit"]').first().click();
  await page.waitForURL((u) => u.pathname === '/callback');
  return (await page.getByTestId('callback-message').textContent())!.trim();
}

describe('oauth3 login (the real CLI) against node-oidc-provider: another OAuth 2.1 server with discovery and PKCE', () => {
  let op: UpstreamOidc;
  let browser: Browser;
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oauth3-login-op-'));
    [op, browser] = await Promise.all([startUpstreamOidc({ registration: true }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await op?.stop();
    await rm(home, { recursive: true, force: true });
  });

  async function loginThere(args: string[], dir: string) {
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, dir) };
    const child = spawnCli(['login', '--server', op.issuer, '--no-browser', '--timeout', '60', ...args], env);
    const { out, exited } = collect(child);
    const url = new URL(await printedLoginUrl(child));
    const context = await browser.newContext();
    const message = await oidcProviderBrowserStep(await context.newPage(), url.href);
    await context.close();
    const code = await exited;
    const stored = await fileTokenStore({ issuer: op.issuer, dir: join(home, dir, 'oauth3') }).load();
    return { url, message, code, out, stored };
  }

  it('discovers through OpenID discovery (no RFC 8414 document there), registers with DCR, and stores a refreshable login', async () => {
    const r = await loginThere(['--scope', 'openid email offline_access'], 'dcr');
    expect(r.message).toBe('Signed in. You can close this tab and return to the terminal.');
    expect(r.code, r.out.stderr).toBe(0);
    expect(r.url.origin).toBe(op.issuer);
    expect(r.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(r.out.stdout).toContain(`Logged in to ${op.issuer} as `);
    expect(r.stored!.client.registration).toBe('dcr');
    expect(r.stored!.client.token_endpoint_auth_method).toBe('none');
    expect(r.stored!.account?.sub).toBe(UPSTREAM_LOGIN);
    expect(r.stored!.refresh_token).toBeTruthy();
    expect(r.stored!.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    const me = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${r.stored!.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('--client-id: a client registered beforehand is used as is (registration: static)', async () => {
    const reg = await fetch(`${op.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    });
    expect(reg.status).toBe(201);
    const { client_id } = (await reg.json()) as { client_id: string };
    const r = await loginThere(['--scope', 'openid', '--client-id', client_id], 'static');
    expect(r.code, r.out.stderr).toBe(0);
    expect(r.url.searchParams.get('client_id')).toBe(client_id);
    expect(r.stored!.client).toEqual({ client_id, token_endpoint_auth_method: 'none', registration: 'static' });
  });
});
