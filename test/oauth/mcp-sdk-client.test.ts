import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launchBrowser, newPasskeyPage, signUpWithPasskey } from '../support/browser.js';
import { startExampleMcpServer } from './support/example-mcp-server.js';

/** An in-memory OAuthClientProvider, as any MCP host implements it; the "browser" is Chromium. */
class MemoryProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved: OAuthTokens[] = [];
  verifier = '';
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata() {
    return {
      client_name: 'SDK test host',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return 'sdk-state-123';
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved.at(-1);
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved.push(tokens);
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe.each(dialects)('the MCP TypeScript SDK client, unmodified, against a server using oauth3 as its AS, on %s', (dialect) => {
  let app: TestApp;
  let mcp: Server;
  let callback: Server;
  let browser: Browser;
  let mcpUrl: string;
  let redirectUrl: string;
  let nextCode: Promise<URLSearchParams>;
  let deliver: (p: URLSearchParams) => void;

  beforeAll(async () => {
    const [mcpPort, cbPort] = [await freePort(), await freePort()];
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    redirectUrl = `http://127.0.0.1:${cbPort}/callback`;
    app = await startTestApp(dialect, {
      oauthAccessTokenTtl: 2,
      resources: [{ url: mcpUrl, name: 'Notes MCP', scopes: [{ name: 'notes.read', description: 'Read your notes' }] }],
    });
    mcp = await startExampleMcpServer({ gateway: app.url, resource: mcpUrl, scope: 'notes.read', port: mcpPort });
    nextCode = new Promise((ok) => (deliver = ok));
    callback = createServer((req, res) => {
      deliver(new URL(req.url!, redirectUrl).searchParams);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    });
    await new Promise<void>((ok) => callback.listen(cbPort, '127.0.0.1', ok));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => mcp?.close(ok));
    await new Promise((ok) => callback?.close(ok));
    await app?.stop();
  });

  it('401 → discovery → registration → passkey sign-in and consent in Chromium → token → tools → refresh after expiry', async () => {
    // The person has an account with a passkey, and is signed out.
    const { context, page } = await newPasskeyPage(browser);
    const { userId } = await signUpWithPasskey(page, app.url);
    await context.clearCookies();

    const provider = new MemoryProvider(redirectUrl);
    const client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.info?.client_id).toBeTruthy(); // registered through /register (DCR)
    const auth = provider.authorizationUrl!;
    expect(auth.origin + auth.pathname).toBe(`${app.url}/authorize`);
    expect(auth.searchParams.get('resource')).toBe(mcpUrl);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');

    // The browser: sign in with the passkey, then approve on the consent page.
    await page.goto(auth.href);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByTestId('sign-in').click();
    await page.waitForURL((u) => u.pathname === '/oauth/authorize/page');
    expect(await page.getByTestId('client-name').textContent()).toBe('SDK test host');
    expect(await page.getByTestId('scopes').textContent()).toContain('Read your notes');
    await page.getByTestId('approve').click();
    const params = await nextCode;
    expect(params.get('state')).toBe('sdk-state-123');
    expect(params.get('iss')).toBe(app.url);
    await context.close();

    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await transport.finishAuth(params.get('code')!);
    const first = provider.saved.at(-1)!;
    expect(first.refresh_token).toBeTruthy();
    await client.connect(transport);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['whoami']);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who.content as Array<{ text: string }>)[0].text).toBe(`person ${userId} through client ${provider.info!.client_id}`);

    // The access token expires (2 s here); the SDK refreshes on the 401 and the call succeeds.
    await new Promise((r) => setTimeout(r, 2600));
    const again = await client.callTool({ name: 'whoami', arguments: {} });
    expect((again.content as Array<{ text: string }>)[0].text).toContain(userId);
    const latest = provider.saved.at(-1)!;
    expect(latest.access_token).not.toBe(first.access_token);
    expect(latest.refresh_token).not.toBe(first.refresh_token);
    await client.close();

    await app.ctx.audit.flush(); // refreshes are batched audit events
    const events = await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', userId).execute();
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['oauth.consent.granted', 'oauth.token.issued', 'oauth.token.refreshed']),
    );
  });
});
