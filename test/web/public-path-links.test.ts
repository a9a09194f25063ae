import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { submitForm } from '../support/page-form.js';
import { delegate, registerAgent } from '../agents/agent-helpers.js';
import { pkce, register } from '../oauth/support/oauth-helpers.js';

const PREFIX = '/auth';
const REDIRECT = 'http://127.0.0.1:9/callback';
/** Every URL-valued attribute of a page (Preact writes them double-quoted). */
const URL_ATTRIBUTE = /\s(href|action|formaction|src)="([^"]*)"/g;
/** Links a crawl must not follow: GET /logout signs out; the OpenAPI page and assets are checked on their own. */
const notFollowed = (path: string) => /^\/auth\/(logout|static\/|docs)/.test(path);

interface Crawled {
  pages: string[];
  /** Every URL a page named (resolved against the page), by where it was found. */
  urls: Array<{ page: string; attribute: string; value: string; url: URL }>;
  assets: Set<string>;
}

describe('a gateway under a public URL with a path (/auth): every link of every page stays under it', () => {
  let app: TestApp;
  let user: TestUser;
  let origin: string;
  /** An authorization request of a client the person has not approved yet: it leads to the consent page. */
  let consentStart: string;

  /** Fetches as a browser asking for a page (optionally signed in); redirects are not followed. */
  const get = (path: string, cookie?: string) =>
    fetch(`${origin}${path}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) }, redirect: 'manual' });

  /** Follows every same-origin GET link from `start`, as far as they go (bounded), collecting what each page names. */
  async function crawl(start: string[], cookie?: string, missing: string[] = []): Promise<Crawled> {
    const seen = new Set<string>();
    const queue = [...start];
    const out: Crawled = { pages: [], urls: [], assets: new Set() };
    while (queue.length && seen.size < 120) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await get(path, cookie);
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(res.headers.get('location')!, `${origin}${path}`);
        expect(next.origin === origin ? next.pathname.startsWith(`${PREFIX}/`) : true, `${path} → ${next.href}`).toBe(true);
        if (next.origin === origin) queue.push(next.pathname + next.search);
        continue;
      }
      expect(res.status, path).toBe(missing.includes(path) ? 404 : 200);
      if (!res.headers.get('content-type')?.startsWith('text/html')) continue;
      const html = await res.text();
      out.pages.push(path);
      expect(html, path).toContain(`<meta name="public-path" content="${PREFIX}"/>`);
      for (const [, attribute, raw] of html.matchAll(URL_ATTRIBUTE)) {
        const value = raw.replaceAll('&amp;', '&');
        const url = new URL(value, `${origin}${path}`);
        out.urls.push({ page: path, attribute, value, url });
        if (url.origin !== origin) continue;
        if (attribute === 'src' || /^\/auth\/static\//.test(url.pathname)) out.assets.add(url.pathname);
        else if (attribute === 'href' && !notFollowed(url.pathname)) queue.push(url.pathname + url.search);
      }
    }
    return out;
  }

  /** Every root-relative value starts with the prefix, and every same-origin URL resolves under it. */
  function expectAllUnder(crawled: Crawled): void {
    expect(crawled.urls.length).toBeGreaterThan(0);
    const escaping = crawled.urls.filter(
      ({ value, url }) =>
        (value.startsWith('/') && !value.startsWith(`${PREFIX}/`) && value !== PREFIX) ||
        (url.origin === origin && !url.pathname.startsWith(`${PREFIX}/`) && url.pathname !== PREFIX),
    );
    expect(escaping.map(({ page, attribute, value }) => `${page}: ${attribute}="${value}"`)).toEqual([]);
  }

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    app = await startTestApp('sqlite', { port, publicUrl: `${origin}${PREFIX}` });
    user = await createTestUser(app);
    // Something on every list: a token, an agent with a delegation, an app the person approved.
    const token = await submitForm(app, user, '/account/tokens', [
      ['name', 'backup script'],
      ['scopes', 'mcp'],
      ['expires_in_days', '7'],
    ]);
    expect(token.status).toBe(303);
    const agent = await registerAgent(app, user, 'Planner bot', ['mcp']);
    await delegate(app, user, agent.client_id, ['mcp']);
    const client = await register(app, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'Notes app' });
    const authorizeUrl = (clientId: string) => {
      const url = new URL(`${app.url}/authorize`);
      for (const [k, v] of Object.entries({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        state: 'st',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        scope: 'mcp',
      }))
        url.searchParams.set(k, v);
      return url;
    };
    const start = authorizeUrl(client.client_id);
    const waiting = await register(app, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'Waiting app' });
    const pending = authorizeUrl(waiting.client_id);
    consentStart = pending.pathname + pending.search;
    const page = new URL((await fetch(start, { redirect: 'manual' })).headers.get('location')!, start);
    const form = new URLSearchParams(page.search);
    form.set('_csrf', user.csrf);
    form.set('decision', 'approve');
    const approved = await fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(new URL(approved.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
  afterAll(() => app?.stop());

  it('signed out: the landing page, sign-in, sign-up and error pages link, post and load assets under /auth', async () => {
    const crawled = await crawl(
      [`${PREFIX}/`, `${PREFIX}/login`, `${PREFIX}/signup`, `${PREFIX}/no-such-page`, `${PREFIX}/account`],
      undefined,
      [`${PREFIX}/no-such-page`],
    );
    expect(crawled.pages).toEqual(expect.arrayContaining([`${PREFIX}/`, `${PREFIX}/login`, `${PREFIX}/signup`, `${PREFIX}/no-such-page`]));
    expectAllUnder(crawled);
    expect(crawled.assets).toEqual(new Set([`${PREFIX}/static/pico.min.css`, `${PREFIX}/static/app.css`, `${PREFIX}/static/app.js`]));
    for (const asset of crawled.assets) expect((await fetch(`${origin}${asset}`)).status, asset).toBe(200);
    // The header's links between sign-in and sign-up keep a pending flow under the prefix too.
    const login = await (await get(`${PREFIX}/login?return_to=${encodeURIComponent(`${PREFIX}/account/tokens`)}`)).text();
    expect(login).toContain(
      `href="${PREFIX}/signup?return_to=${encodeURIComponent(`${PREFIX}/account/tokens`)}" data-testid="nav-sign-up"`,
    );
  });

  it('signed in: every account page, its confirmation steps and the consent page stay under /auth', async () => {
    const crawled = await crawl([`${PREFIX}/`, `${PREFIX}/account/overview`, `${PREFIX}/account/nope`, consentStart], user.cookie, [
      `${PREFIX}/account/nope`,
    ]);
    expect(crawled.pages.some((p) => p.startsWith(`${PREFIX}/oauth/authorize/page?`))).toBe(true);
    for (const path of [
      '/account',
      '/account/passkeys',
      '/account/sessions',
      '/account/events',
      '/account/tokens',
      '/account/agents',
      '/account/apps',
    ])
      expect(crawled.pages, path).toContain(`${PREFIX}${path}`);
    // confirmation steps (revoke a token, an agent's access, an app) were reached by their links
    expect(crawled.pages.filter((p) => /\/(revoke|delete|remove)/.test(p)).length).toBeGreaterThan(1);
    expectAllUnder(crawled);
    expect(crawled.pages.length).toBeGreaterThan(12);
    // the current page is marked in the account navigation (its path is compared without the prefix)
    const tokens = await (await get(`${PREFIX}/account/tokens`, user.cookie)).text();
    expect(tokens).toContain(`<a href="${PREFIX}/account/tokens" aria-current="page">`);
    // the sign-out form
    expect(tokens).toContain(`action="${PREFIX}/logout"`);
  });

  it('every Post/Redirect/Get answer sends the browser to a path under /auth', async () => {
    const created = await submitForm(app, user, '/account/tokens', [
      ['name', 'another'],
      ['scopes', 'mcp'],
      ['expires_in_days', '30'],
    ]);
    expect(created.location).toBe(`${PREFIX}/account/tokens`);
    expect(created.pageStatus).toBe(200);
    expect(created.html).toContain('Token another created.'); // the one-time flash is read on the page it was meant for
    const id = [...created.html.matchAll(/data-token-id="([^"]+)"/g)].map((m) => m[1]).at(-1)!;
    const revoked = await submitForm(app, user, `/account/tokens/${id}/revoke`);
    expect(revoked.location).toMatch(/^\/auth\/account\/tokens/);
    const registered = await submitForm(app, user, '/account/agents/register', [
      ['name', 'Mail sorter'],
      ['scopes', 'mcp'],
    ]);
    expect(registered.location).toMatch(/^\/auth\/account\/agents/);
    // a stale CSRF token: the error page's links, not a redirect
    const stale = await submitForm(app, { cookie: user.cookie, csrf: 'nope' }, '/account/tokens', [['name', 'x']]);
    expect(stale.status).toBe(403);
    expect([...stale.html.matchAll(URL_ATTRIBUTE)].filter(([, , v]) => v.startsWith('/') && !v.startsWith(`${PREFIX}/`))).toEqual([]);
    // an expired session on submit: to sign-in under the prefix, and back to the form afterwards
    const anonymous = await fetch(`${app.url}/account/tokens`, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
      redirect: 'manual',
    });
    const login = new URL(anonymous.headers.get('location')!, origin);
    expect(login.pathname).toBe(`${PREFIX}/login`);
    expect(login.searchParams.get('return_to')).toBe('/account/tokens'); // as routes name it
    // signing out
    const other = await createTestUser(app);
    const out = await submitForm(app, other, '/logout');
    expect(out.location).toMatch(/^\/auth\/login/);
  });

  it('the OpenAPI page at /docs and every file it loads are served under /auth', async () => {
    let at = `${origin}${PREFIX}/docs`;
    let res = await get(new URL(at).pathname);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 3; hops++) {
      at = new URL(res.headers.get('location')!, at).href;
      expect(new URL(at).pathname).toMatch(/^\/auth\/docs/);
      res = await get(new URL(at).pathname);
    }
    expect(res.status).toBe(200);
    const files = [...(await res.text()).matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => new URL(m[1], at));
    expect(files.length).toBeGreaterThan(0);
    for (const url of files) {
      expect(url.pathname).toMatch(/^\/auth\/docs/);
      expect((await fetch(url)).status, url.pathname).toBe(200);
    }
  });
});

describe('a public URL path that is also where routes of the gateway start (/account)', () => {
  it('is served all the same: the prefix is taken off once on arrival and put on once on the way out', async () => {
    const port = await freePort();
    const base = `http://localhost:${port}/account`;
    const app = await startTestApp('sqlite', { port, publicUrl: base });
    try {
      const user = await createTestUser(app);
      const page = await fetch(`${base}/account/passkeys`, { headers: { cookie: user.cookie, accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<a href="/account/account/passkeys" aria-current="page">');
      expect(html).toContain('action="/account/logout"');
      const anonymous = await fetch(`${base}/account/tokens`, { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(anonymous.headers.get('location')).toBe(`/account/login?return_to=${encodeURIComponent('/account/tokens')}`);
      expect((await fetch(`http://localhost:${port}/login`)).status).toBe(404); // outside the public URL's path
    } finally {
      await app.stop();
    }
  });
});
