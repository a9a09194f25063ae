import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { launchBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';

/**
 * What a browser-based MCP client (a page on another origin, like the MCP Inspector) can do, in Chromium: discover,
 * register and call /token (each with a preflight, for JSON and for the Authorization header), and nothing with
 * the person's session: a credentialed call to /api/v1 is blocked by the browser.
 */
describe.each(dialects)('CORS in a real browser on %s', (dialect) => {
  let app: TestApp;
  let browser: Browser;
  let site: Server;
  let siteUrl: string;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    browser = await launchBrowser();
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>'));
    await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
    siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => site.close(() => ok()));
    await app.stop();
  });

  it('lets a page on another origin discover, register and call /token, and never read the session API', async () => {
    const user = await createTestUser(app);
    const context = await browser.newContext();
    const [name, value] = user.cookie.split('=');
    await context.addCookies([{ name, value, url: app.url }]);
    const page = await context.newPage();
    await page.goto(siteUrl);
    const result = await page.evaluate(async (gateway) => {
      const attempt = async (f: () => Promise<Response>) => {
        try {
          const r = await f();
          return { status: r.status, body: await r.json() };
        } catch (e) {
          return { blocked: String(e) };
        }
      };
      const discovery = await attempt(() =>
        fetch(`${gateway}/.well-known/oauth-authorization-server`, { headers: { 'MCP-Protocol-Version': '2025-11-25' } }),
      );
      const registered = await attempt(() =>
        fetch(`${gateway}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:6274/cb'], grant_types: ['client_credentials'] }),
        }),
      );
      const { client_id, client_secret } = (registered as { body: { client_id: string; client_secret: string } }).body;
      const token = await attempt(() =>
        fetch(`${gateway}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${btoa(`${client_id}:${client_secret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        }),
      );
      const me = await attempt(() => fetch(`${gateway}/api/v1/me`, { credentials: 'include' }));
      const meWithoutCookie = await attempt(() => fetch(`${gateway}/api/v1/me`));
      return { discovery, registered, token, me, meWithoutCookie };
    }, app.url);
    expect(result.discovery).toMatchObject({ status: 200, body: { issuer: app.url } });
    expect(result.registered).toMatchObject({ status: 201 });
    expect(result.token).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    expect(result.me).toEqual({ blocked: expect.stringContaining('Failed to fetch') });
    expect(result.meWithoutCookie).toEqual({ blocked: expect.stringContaining('Failed to fetch') });
    await context.close();
  });
});
