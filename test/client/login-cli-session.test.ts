import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { collect, gatewayBrowserStep, passkeyPerson, printedLoginUrl } from '../support/cli-login.js';

describe('oauth3 login, then status, token, call and logout (the real CLI, the browser step in Chromium)', () => {
  let gw: EchoGateway;
  let browser: Browser;
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oauth3-session-'));
    [gw, browser] = await Promise.all([startEchoGateway('sqlite'), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('logs in with a passkey and consent, uses the login from every command, and after logout the token is refused', async () => {
    const app = gw.app;
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    const person = await passkeyPerson(browser, app.url);
    await connectUpstream(app, person.userId, gw.upstream);

    const child = spawnCli(
      ['login', '--server', app.url, '--no-browser', '--scope', 'openid echo.say offline_access', '--timeout', '60'],
      env,
    );
    const { out, exited } = collect(child);
    await gatewayBrowserStep(person.page, await printedLoginUrl(child));
    expect(await exited, out.stderr).toBe(0);
    await person.close();

    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(status.stdout))).toContain(person.userId);
    expect(status.stdout).not.toMatch(/access_token|refresh_token/);

    const token = await runCli(['token'], env);
    expect(token.code, token.stderr).toBe(0);
    const accessToken = token.stdout.trim();
    const me = await fetch(`${app.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);

    const call = await runCli(['call', 'echo', 'say', '--data', '{"text":"hi after login"}'], env);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout).echo).toEqual({ text: 'hi after login' });

    const logout = await runCli(['logout'], env);
    expect(logout.code, logout.stderr).toBe(0);
    expect((await fetch(`${app.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    const after = await runCli(['token'], env);
    expect(after.code).toBe(4);
  });
});
