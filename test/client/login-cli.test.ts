import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fileTokenStore } from '../../src/client/index.js';
import { launchBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { spawnCli } from '../support/run-cli.js';
import { collect, gatewayBrowserStep, passkeyPerson, printedLoginUrl } from '../support/cli-login.js';

describe('oauth3 login (the real CLI) against a running gateway, the browser step in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let home: string;
  let env: Record<string, string>;
  let notes: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oauth3-login-'));
    env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    const port = (await import('../support/free-port.js')).freePort;
    const p = await port();
    notes = `http://localhost:${p}/mcp/notes`;
    app = await startTestApp('sqlite', {
      port: p,
      resources: [{ url: notes, name: 'Notes', scopes: [{ name: 'notes.read', description: 'Read your notes' }] }],
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('--server --no-browser: CIMD, passkey sign-in and consent, tokens stored 0600 that the gateway accepts', async () => {
    const person = await passkeyPerson(browser, app.url);
    const child = spawnCli(
      ['login', '--server', app.url, '--no-browser', '--scope', 'openid profile offline_access', '--timeout', '60'],
      env,
    );
    const { out, exited } = collect(child);
    const url = new URL(await printedLoginUrl(child));
    expect(url.origin + url.pathname).toBe(`${app.url}/authorize`);
    expect(url.searchParams.get('client_id')).toBe(`${app.url}/oauth/cli-client.json`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(await gatewayBrowserStep(person.page, url.href)).toBe('Signed in. You can close this tab and return to the terminal.');
    expect(await exited).toBe(0);
    expect(out.stdout).toContain(`Logged in to ${app.url} as `);
    expect(out.stdout).toContain(person.userId);
    expect(out.stdout).toContain(`Token stored in ${join(home, '.config', 'oauth3')}`);
    expect(out.stdout + out.stderr).not.toMatch(/code=|access_token/);
    await person.close();

    const store = fileTokenStore({ issuer: app.url, dir: join(home, '.config', 'oauth3') });
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    const c = (await store.load())!;
    expect(c.client).toEqual({ client_id: `${app.url}/oauth/cli-client.json`, token_endpoint_auth_method: 'none', registration: 'cimd' });
    expect(c.issuer).toBe(app.url);
    expect(c.account?.sub).toBe(person.userId);
    expect(c.scope.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(c.refresh_token).toBeTruthy();
    expect(c.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(c.server.token_endpoint).toBe(`${app.url}/token`);
    expect(c.server.revocation_endpoint).toBe(`${app.url}/revoke`);
    const me = await fetch(`${app.url}/userinfo`, { headers: { authorization: `Bearer ${c.access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { sub: string }).sub).toBe(person.userId);
  });

  it('--resource: RFC 9728 discovery, the resource’s scopes plus offline_access by default, resource on both requests (aud)', async () => {
    const person = await passkeyPerson(browser, app.url);
    const child = spawnCli(['login', '--resource', notes, '--no-browser', '--timeout', '60'], env);
    const { out, exited } = collect(child);
    const url = new URL(await printedLoginUrl(child));
    expect(url.searchParams.get('resource')).toBe(notes);
    expect(url.searchParams.get('scope')).toBe('notes.read offline_access');
    await gatewayBrowserStep(person.page, url.href);
    expect(await exited, out.stderr).toBe(0);
    expect(out.stdout).toContain(`for ${notes}`);
    await person.close();
    const c = (await fileTokenStore({ issuer: app.url, resource: notes, dir: join(home, '.config', 'oauth3') }).load())!;
    expect(c.resource).toBe(notes);
    const claims = JSON.parse(Buffer.from(c.access_token.split('.')[1]!, 'base64url').toString()) as { aud: string | string[] };
    expect([claims.aud].flat()).toContain(notes);
  });

  it('declined on the consent page: exits 2 with one line, nothing stored', async () => {
    const person = await passkeyPerson(browser, app.url);
    const child = spawnCli(['login', '--server', app.url, '--no-browser', '--scope', 'profile', '--timeout', '60'], {
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'declined'),
    });
    const { out, exited } = collect(child);
    const url = await printedLoginUrl(child);
    expect(await gatewayBrowserStep(person.page, url, 'deny')).toContain('You declined.');
    expect(await exited).toBe(2);
    expect(out.stderr).toContain('oauth3: The sign-in was declined');
    expect(await fileTokenStore({ issuer: app.url, dir: join(home, 'declined', 'oauth3') }).load()).toBeUndefined();
    await person.close();
  });
});
