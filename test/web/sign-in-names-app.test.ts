import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { freePort } from '../support/free-port.js';
import { createClient } from '../../src/oauth/index.js';
import { pkce, register } from '../oauth/support/oauth-helpers.js';

const REDIRECT = 'https://notes.example/cb';

describe.each(dialects)('the sign-in page names the app that is waiting, on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const authorizeQuery = (clientId: string) =>
    new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      state: 'st',
      scope: 'profile',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
  const page = async (path: string) => {
    const res = await fetch(`${app.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Follows /authorize as a browser without a session would, to the sign-in page it lands on. */
  const signInFrom = async (clientId: string) => {
    let location = `/authorize?${authorizeQuery(clientId)}`;
    for (let hops = 0; hops < 3 && !location.startsWith('/login'); hops++) {
      const res = await fetch(new URL(location, app.url), { redirect: 'manual' });
      expect(res.status).toBe(302);
      location = res.headers.get('location')!.replace(app.url, '');
    }
    expect(location).toMatch(/^\/login\?return_to=%2Foauth%2Fauthorize%2Fpage%3F/);
    return { location, returnTo: new URL(location, app.url).searchParams.get('return_to')! };
  };

  it('names a self-registered client as text, labelled unverified, on sign-in and sign-up', async () => {
    const evil = '<img src=x onerror=alert(1)>Notes & Co';
    const client = await register(app, { redirect_uris: [REDIRECT], client_name: evil, token_endpoint_auth_method: 'none' });
    const { location, returnTo } = await signInFrom(client.client_id);
    const login = await page(location);
    expect(login).toContain(
      'Sign in to continue to <strong data-testid="waiting-app-name">&lt;img src=x onerror=alert(1)>Notes &amp; Co</strong>',
    );
    expect(login).not.toContain('<img src=x');
    expect(login).toContain('data-testid="unverified"');
    // The link to sign-up keeps the flow, and sign-up names the app too.
    expect(login).toContain(`href="/signup?return_to=${encodeURIComponent(returnTo)}"`);
    const signup = await page(`/signup?return_to=${encodeURIComponent(returnTo)}`);
    expect(signup).toContain('Create your account to continue to <strong data-testid="waiting-app-name">&lt;img');
    expect(signup).toContain('data-testid="unverified"');
    expect(signup).toContain(`href="/login?return_to=${encodeURIComponent(returnTo)}"`);
  });

  it('names an operator-registered client without the unverified label', async () => {
    const { client } = await createClient(app.ctx.db, { name: 'Team wiki', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' });
    const login = await page((await signInFrom(client.clientId)).location);
    expect(login).toContain('<strong data-testid="waiting-app-name">Team wiki</strong>');
    expect(login).not.toContain('data-testid="unverified"');
  });

  it('names nothing when the return_to is not the consent page of a known client', async () => {
    const { client } = await createClient(app.ctx.db, { name: 'Team wiki', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' });
    const q = authorizeQuery(client.clientId);
    for (const returnTo of [
      '/account/tokens',
      `/account/tokens?${q}`, // a client_id on another page is not a pending flow
      `/oauth/authorize/pagex?${q}`,
      `/oauth/authorize/page/..?${q}`,
      '/oauth/authorize/page?client_id=c_nobody',
      `/oauth/authorize/page?${q}&client_id=${client.clientId}`, // repeated client_id: the request is refused anyway
      '/oauth/authorize/page',
    ]) {
      for (const path of ['/login', '/signup']) {
        const html = await page(`${path}?return_to=${encodeURIComponent(returnTo)}`);
        expect(html, `${path} ${returnTo}`).not.toContain('data-testid="app-waiting"');
        expect(html).not.toContain('Team wiki');
      }
    }
    expect(await page('/login')).not.toContain('data-testid="app-waiting"');
  });
});

describe('the sign-in page of a gateway under a path (/gw) names the waiting app', () => {
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    app = await startTestApp('sqlite', { port, publicUrl: `http://localhost:${port}/gw` });
  });
  afterAll(() => app.stop());

  it('from the consent page under the prefix, and not from one outside it', async () => {
    const { client } = await createClient(app.ctx.db, { name: 'Team wiki', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' });
    const q = `client_id=${client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`;
    const login = (returnTo: string) => fetch(`${app.url}/login?return_to=${encodeURIComponent(returnTo)}`).then((r) => r.text());
    expect(await login(`/gw/oauth/authorize/page?${q}`)).toContain('<strong data-testid="waiting-app-name">Team wiki</strong>');
    expect(await login(`/oauth/authorize/page?${q}`)).not.toContain('data-testid="app-waiting"');
  });
});
