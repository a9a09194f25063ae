import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTokenStore, type StoredCredentials } from '../../src/client/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { runCli as run } from '../support/run-cli.js';

// the machine may be busy (other tests spawn processes too): a CLI run gets a minute
const runCli = (args: string[], env: Record<string, string>) => run(args, env, 60_000);
import { apiStatus, refresh } from '../oauth/support/oauth-helpers.js';
import { countingProxy } from './support/counting-proxy.js';

describe('oauth3 status, token, logout through the real CLI', () => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
  });
  afterAll(async () => {
    await app.stop();
  });

  /** A temp XDG_CONFIG_HOME with `creds` stored as oauth3 login would. */
  const homeWith = async (...all: StoredCredentials[]) => {
    const home = await mkdtemp(join(tmpdir(), 'oauth3-cli-'));
    for (const c of all) await fileTokenStore({ issuer: c.issuer, resource: c.resource, dir: join(home, 'oauth3') }).save(c);
    return { HOME: home, XDG_CONFIG_HOME: home };
  };

  it('status says the server, account, scopes and expiry in words; --json too; no login exits 4', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const env = await homeWith({ ...creds, expires_at: Math.floor(Date.now() / 1000) + 42 * 60 + 10 });
    const text = await runCli(['status'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`server:   ${creds.issuer}`);
    expect(text.stdout).toContain(user.userId);
    expect(text.stdout).toContain('scopes:   profile');
    expect(text.stdout).toContain('expires in 42 minutes');
    expect(text.stdout).not.toContain(creds.access_token);
    const json = await runCli(['status', '--json', '--server', creds.issuer], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ server: creds.issuer, scopes: ['profile'], expired: false, refreshable: true });
    const old = await runCli(['status'], await homeWith({ ...creds, expires_at: Math.floor(Date.now() / 1000) - 3 * 3600 }));
    expect(old.stdout).toContain('expired 3 hours ago; will refresh');
    const none = await runCli(['status'], await homeWith());
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('oauth3 login');
  }, 180_000);

  it('token prints only a fresh token (refreshing near expiry); several logins need --server', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const env = await homeWith({ ...creds, expires_at: Math.floor(Date.now() / 1000) + 60 });
    const out = await runCli(['token'], env);
    expect(out.code, out.stderr).toBe(0);
    const token = out.stdout.trim();
    expect(out.stdout).toBe(`${token}\n`);
    expect(token).not.toBe(creds.access_token); // refreshed: 60 s left is inside the 5-minute margin
    expect(await apiStatus(app, token)).toBe(200);
    const two = await homeWith(creds, { ...creds, issuer: 'https://other.example' });
    const ambiguous = await runCli(['token'], two);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('--server https://other.example');
    expect(ambiguous.stdout).toBe('');
  }, 180_000);

  it('logout revokes both tokens at the server and deletes the file', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const env = await homeWith(creds);
    const path = fileTokenStore({ issuer: creds.issuer, dir: join(env.XDG_CONFIG_HOME, 'oauth3') }).location;
    expect(await apiStatus(app, creds.access_token)).toBe(200);
    const out = await runCli(['logout'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('tokens revoked');
    await expect(stat(path)).rejects.toThrow();
    // the gateway refuses both now: the access token at its API, the refresh token at /token
    expect(await apiStatus(app, creds.access_token)).toBe(401);
    const spent = await refresh(app, creds.client.client_id, creds.refresh_token!);
    expect(spent.status).toBe(400);
    expect(spent.body.error).toBe('invalid_grant');
  }, 180_000);

  it('logout when the server cannot revoke keeps the login (exit 1), and --force deletes it with a warning', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const down = await countingProxy(app.url, () => ({ status: 503, body: '{}' }));
    const env = await homeWith({ ...creds, server: { ...creds.server, revocation_endpoint: `${down.url}/revoke` } });
    const path = fileTokenStore({ issuer: creds.issuer, dir: join(env.XDG_CONFIG_HOME, 'oauth3') }).location;
    const kept = await runCli(['logout'], env);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toContain('--force');
    expect((await stat(path)).isFile()).toBe(true);
    const forced = await runCli(['logout', '--force'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('stay valid');
    await expect(stat(path)).rejects.toThrow();
    await down.close();
  }, 180_000);
});
