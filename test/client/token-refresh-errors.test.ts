import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTokenManager,
  HttpError,
  isLoginRequired,
  memoryTokenStore,
  TokenError,
  type StoredCredentials,
} from '../../src/client/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { apiStatus } from '../oauth/support/oauth-helpers.js';
import { countingProxy } from './support/counting-proxy.js';

const fast = { baseMs: 5, maxMs: 20 };
const soon = () => Math.floor(Date.now() / 1000) + 30;

describe('the token manager against the gateway', () => {
  let app: TestApp;
  let user: TestUser;
  let creds: StoredCredentials;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
  });
  beforeEach(async () => {
    creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('uses the stored token while it has more than the margin left: no network call', async () => {
    const proxy = await countingProxy(app.url);
    const store = memoryTokenStore({ ...creds, server: { ...creds.server, token_endpoint: `${proxy.url}/token` } });
    expect(await createTokenManager({ store }).getAccessToken()).toBe(creds.access_token);
    expect(proxy.requests).toBe(0);
    await proxy.close();
  });

  it('refreshes within the margin and saves the rotated pair', async () => {
    const store = memoryTokenStore({ ...creds, expires_at: soon() });
    const token = await createTokenManager({ store }).getAccessToken();
    expect(token).not.toBe(creds.access_token);
    expect(await apiStatus(app, token)).toBe(200);
    const after = (await store.load())!;
    expect(after.refresh_token).not.toBe(creds.refresh_token);
    expect(after.expires_at).toBeGreaterThan(soon() + 600);
  });

  it('a 503 during refresh is retried, then an HttpError; the credentials are kept, and work once the server is back', async () => {
    let down = true;
    const proxy = await countingProxy(app.url, (path) =>
      down && path === '/token' ? { status: 503, body: '{"error":"temporarily_unavailable"}' } : undefined,
    );
    const stored = { ...creds, expires_at: soon(), server: { ...creds.server, token_endpoint: `${proxy.url}/token` } };
    const store = memoryTokenStore(stored);
    const manager = createTokenManager({ store, retry: { ...fast, retries: 3 } });
    const e = await manager.getAccessToken().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).status).toBe(503);
    expect(isLoginRequired(e)).toBe(false);
    expect(proxy.refreshes).toBe(4); // the first try and 3 retries
    expect(await store.load()).toEqual(stored);
    down = false;
    expect(await apiStatus(app, await manager.getAccessToken())).toBe(200);
    await proxy.close();
  });

  it('a network error during refresh keeps the credentials (HttpError network_error)', async () => {
    const proxy = await countingProxy(app.url);
    await proxy.close(); // nothing listens there now
    const stored = { ...creds, expires_at: soon(), server: { ...creds.server, token_endpoint: `${proxy.url}/token` } };
    const store = memoryTokenStore(stored);
    const e = (await createTokenManager({ store, retry: { ...fast, retries: 1 } })
      .getAccessToken()
      .catch((x: unknown) => x)) as HttpError;
    expect(e).toBeInstanceOf(HttpError);
    expect(e.reason).toBe('network_error');
    expect(await store.load()).toEqual(stored);
  });

  it('invalid_grant is login_required, and the credentials stay stored', async () => {
    const stored = { ...creds, expires_at: soon(), refresh_token: 'not-a-refresh-token' };
    const store = memoryTokenStore(stored);
    const e = await createTokenManager({ store })
      .getAccessToken()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TokenError);
    expect(isLoginRequired(e)).toBe(true);
    expect((e as Error).message).not.toContain('not-a-refresh-token');
    expect(await store.load()).toEqual(stored);
  });

  it('expired with no refresh token is login_required; nothing stored is login_required', async () => {
    const { refresh_token: _, ...noRefresh } = creds;
    const expired = memoryTokenStore({ ...noRefresh, expires_at: Math.floor(Date.now() / 1000) - 10 });
    await expect(createTokenManager({ store: expired }).getAccessToken()).rejects.toSatisfy(isLoginRequired);
    await expect(createTokenManager({ store: memoryTokenStore() }).getAccessToken()).rejects.toSatisfy(isLoginRequired);
  });

  it('concurrent callers in one process share one refresh; refresh() forces one', async () => {
    const proxy = await countingProxy(app.url);
    const store = memoryTokenStore({ ...creds, expires_at: soon(), server: { ...creds.server, token_endpoint: `${proxy.url}/token` } });
    const manager = createTokenManager({ store });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(proxy.refreshes).toBe(1);
    expect(await manager.getAccessToken()).toBe(tokens[0]); // fresh now: no second refresh
    expect(proxy.refreshes).toBe(1);
    // refresh() (a server refused the token) spends the refresh token even though the token looks fresh
    const forced = await createTokenManager({ store }).refresh();
    expect(proxy.refreshes).toBe(2);
    expect(forced.access_token).not.toBe(tokens[0]);
    expect((await store.load())!.access_token).toBe(forced.access_token);
    await proxy.close();
  });
});
