import { spawn } from 'node:child_process';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTokenStore } from '../../src/client/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { apiStatus } from '../oauth/support/oauth-helpers.js';
import { countingProxy, type CountingProxy } from './support/counting-proxy.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the child script: what it printed on stdout, and its exit code. */
function child(issuer: string, dir: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'test/client/support/token-child.ts', issuer, dir], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('20 processes ask for a token at the moment it needs refreshing', () => {
  let app: TestApp;
  let user: TestUser;
  let proxy: CountingProxy;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
    proxy = await countingProxy(app.url);
  });
  afterAll(async () => {
    await proxy.close();
    await app.stop();
  });

  it('one refresh at the server; all 20 get a valid token; the store holds the newest pair', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const dir = await mkdtemp(join(tmpdir(), 'oauth3-store-'));
    const store = fileTokenStore({ issuer: creds.issuer, dir });
    // the token has 60 s left: inside the 5-minute margin, so every process must refresh (or see another's refresh)
    await store.save({
      ...creds,
      expires_at: Math.floor(Date.now() / 1000) + 60,
      server: { ...creds.server, token_endpoint: `${proxy.url}/token` },
    });

    const results = await Promise.all(Array.from({ length: 20 }, () => child(creds.issuer, dir)));
    for (const r of results) expect(r.code, r.err).toBe(0);

    expect(proxy.refreshes).toBe(1);
    const tokens = new Set(results.map((r) => r.out));
    const after = await store.load();
    expect([...tokens]).toEqual([after!.access_token]); // everyone ended with the pair that was saved
    expect(after!.access_token).not.toBe(creds.access_token);
    expect(after!.refresh_token).not.toBe(creds.refresh_token);
    expect(after!.refreshed_at).toBeGreaterThan(0);
    expect(await apiStatus(app, after!.access_token)).toBe(200);
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual([store.location.slice(dir.length + 1)]); // no lock or temp file left
  }, 120_000);
});
