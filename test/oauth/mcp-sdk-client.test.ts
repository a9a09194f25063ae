import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launchBrowser, newPasskeyPage, signUpWithPasskey } from '../support/browser.js';
import { MemoryAuthProvider, signInToConsent, startRedirectCatcher, type RedirectCatcher } from '../support/mcp-server-client-auth.js';
import { startExampleMcpServer } from './support/example-mcp-server.js';

describe.each(dialects)('the MCP TypeScript SDK client, unmodified, against a server using oauth3 as its AS, on %s', (dialect) => {
  let app: TestApp;
  let mcp: Server;
  let callback: RedirectCatcher;
  let browser: Browser;
  let mcpUrl: string;

  beforeAll(async () => {
    const mcpPort = await freePort();
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    app = await startTestApp(dialect, {
      oauthAccessTokenTtl: 2,
      resources: [{ url: mcpUrl, name: 'Notes MCP', scopes: [{ name: 'notes.read', description: 'Read your notes' }] }],
    });
    mcp = await startExampleMcpServer({ gateway: app.url, resource: mcpUrl, scope: 'notes.read', port: mcpPort });
    callback = await startRedirectCatcher();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => mcp?.close(ok));
    await callback?.close();
    await app?.stop();
  });

  it('401 → discovery → registration → passkey sign-in and consent in Chromium → token → tools → refresh after expiry', async () => {
    // The person has an account with a passkey, and is signed out.
    const { context, page } = await newPasskeyPage(browser);
    const { userId } = await signUpWithPasskey(page, app.url);
    await context.clearCookies();

    const provider = new MemoryAuthProvider(callback.redirectUrl);
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
    await signInToConsent(page, auth);
    expect(await page.getByTestId('client-name').textContent()).toBe('SDK test host');
    expect(await page.getByTestId('scopes').textContent()).toContain('Read your notes');
    await page.getByTestId('approve').click();
    const params = await callback.nextCode;
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
