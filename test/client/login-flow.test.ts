import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, memoryTokenStore, OAuthFlowError, OAuthError } from '../../src/client/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { authorize } from '../oauth/support/oauth-helpers.js';

/** The person's consent given without a browser: the gateway's answer (the redirect to the loopback) for an authorization URL. */
async function consentAnswer(app: TestApp, user: TestUser, authorizationUrl: string): Promise<URL> {
  const params = Object.fromEntries(new URL(authorizationUrl).searchParams);
  return authorize(app, user, params);
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createNetServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('login(): the loopback callback and the checks of the answer', () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
  });
  afterAll(async () => app?.stop());

  it('a callback with the wrong state is refused (400, the wait goes on); the right one completes the login', async () => {
    const store = memoryTokenStore();
    const wrong: number[] = [];
    const c = await login({
      server: app.url,
      scopes: ['profile'],
      store,
      timeoutMs: 30_000,
      openBrowser: async (url) => {
        const answer = await consentAnswer(app, user, url);
        const forged = new URL(answer);
        forged.searchParams.set('state', 'not-the-state');
        const res = await fetch(forged);
        wrong.push(res.status);
        expect(await res.text()).toContain('does not belong to the sign-in');
        const missing = new URL(answer);
        missing.searchParams.delete('state');
        wrong.push((await fetch(missing)).status);
        wrong.push((await fetch(new URL('/elsewhere', answer))).status);
        const ok = await fetch(answer);
        expect(await ok.text()).toContain('Signed in. You can close this tab');
        expect(ok.headers.get('cache-control')).toBe('no-store');
      },
    });
    expect(wrong).toEqual([400, 400, 404]);
    expect(c.account?.sub).toBe(user.userId);
    expect((await store.load())?.access_token).toBe(c.access_token);
  });

  it('a callback whose iss is not the discovered issuer is refused (RFC 9207): nothing stored, the code not exchanged', async () => {
    const store = memoryTokenStore();
    let answered = '';
    const failure = await login({
      server: app.url,
      scopes: ['profile'],
      store,
      timeoutMs: 30_000,
      openBrowser: async (url) => {
        const answer = await consentAnswer(app, user, url);
        expect(answer.searchParams.get('iss')).toBe(app.url);
        answer.searchParams.set('iss', 'https://attacker.example');
        answered = await (await fetch(answer)).text();
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect((failure as OAuthFlowError).reason).toBe('invalid_response');
    expect((failure as Error).message).toMatch(/iss/);
    expect(answered).toContain('Signed in'); // the loopback only checks state; the client checks iss before exchanging
    expect(await store.load()).toBeUndefined();
  });

  it('a callback without iss is refused when the server advertises authorization_response_iss_parameter_supported', async () => {
    const failure = await login({
      server: app.url,
      scopes: ['profile'],
      store: memoryTokenStore(),
      timeoutMs: 30_000,
      openBrowser: async (url) => {
        const answer = await consentAnswer(app, user, url);
        answer.searchParams.delete('iss');
        await fetch(answer);
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect((failure as OAuthFlowError).reason).toBe('invalid_response');
  });

  it('AS metadata naming another issuer than the one discovered is refused before any browser step', async () => {
    let opened = false;
    const liar: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: app.url, // the real gateway's issuer, served from another origin
          authorization_endpoint: `${app.url}/authorize`,
          token_endpoint: `${app.url}/token`,
          code_challenge_methods_supported: ['S256'],
        }),
      );
    });
    await new Promise<void>((ok) => liar.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(liar.address() as { port: number }).port}`;
    try {
      const failure = await login({ server: url, store: memoryTokenStore(), openBrowser: () => void (opened = true) }).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(OAuthError);
      expect((failure as Error).message).toContain('issuer');
      expect(opened).toBe(false);
    } finally {
      await new Promise((ok) => liar.close(ok));
    }
  });

  it('no answer in time: OAuthFlowError timeout, and the loopback server is closed (its port free again)', async () => {
    let port = 0;
    const started = Date.now();
    const failure = await login({
      server: app.url,
      scopes: ['profile'],
      store: memoryTokenStore(),
      timeoutMs: 800,
      openBrowser: (url) => void (port = Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port)),
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect((failure as OAuthFlowError).reason).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(port).toBeGreaterThan(0);
    expect(await portFree(port)).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/callback`)).rejects.toThrow();
  });

  it('a declined consent is OAuthFlowError access_denied (the CLI exits 2)', async () => {
    const someone = await createTestUser(app); // no consent remembered for the CLI yet
    const failure = await login({
      server: app.url,
      scopes: ['profile'],
      store: memoryTokenStore(),
      timeoutMs: 30_000,
      openBrowser: async (url) => {
        const answer = await authorize(app, someone, Object.fromEntries(new URL(url).searchParams), 'deny');
        expect(answer.searchParams.get('error')).toBe('access_denied');
        expect(await (await fetch(answer)).text()).toContain('You declined.');
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect((failure as OAuthFlowError).reason).toBe('access_denied');
  });
});
