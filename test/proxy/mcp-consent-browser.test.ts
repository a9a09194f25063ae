import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launchBrowser, newPasskeyPage, signUpWithPasskey } from '../support/browser.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin, otherPlugin } from '../support/echo-plugin.js';
import { MemoryAuthProvider } from '../support/mcp-server-client-auth.js';
import { builtinPlugins } from '../../src/proxy/index.js';

describe('an MCP client authorizes for /mcp with the person’s consent in Chromium, then calls a tool', () => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let app: TestApp;
  let callback: Server;
  let browser: Browser;
  let redirectUrl: string;
  let nextCode: Promise<URLSearchParams>;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    echo = await startEchoUpstream();
    app = await startTestApp(
      'sqlite',
      { providers: [upstream.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'] },
      [echoPlugin, otherPlugin],
      undefined,
      { OAUTH3_ECHO_UPSTREAM: echo.url },
    );
    const cbPort = await freePort();
    redirectUrl = `http://127.0.0.1:${cbPort}/callback`;
    let deliver!: (p: URLSearchParams) => void;
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
    await new Promise((ok) => callback?.close(ok));
    await app?.stop();
    await Promise.all([upstream?.stop(), echo?.close()]);
  });

  it('401 → discovery of /mcp → registration → passkey sign-in and consent → a token for /mcp → its tools → a call', async () => {
    const mcpUrl = `${app.url}/mcp`;
    const { context, page } = await newPasskeyPage(browser);
    const { userId } = await signUpWithPasskey(page, app.url);
    const upstreamToken = (await connectUpstream(app, userId, upstream)).tokens.access_token;
    await context.clearCookies();

    const provider = new MemoryAuthProvider(redirectUrl, 'MCP host');
    const client = new Client({ name: 'mcp-consent-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const auth = provider.authorizationUrl!;
    expect(auth.origin + auth.pathname).toBe(`${app.url}/authorize`);
    expect(auth.searchParams.get('resource')).toBe(mcpUrl);

    await page.goto(auth.href);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByTestId('sign-in').click();
    await page.waitForURL((u) => u.pathname === '/oauth/authorize/page');
    expect(await page.getByTestId('client-name').textContent()).toBe('MCP host');
    expect(await page.getByTestId('scopes').textContent()).toContain('Say something through the echo upstream');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      if (process.env.OAUTH3_SCREENSHOTS)
        await page.screenshot({ path: `${process.env.OAUTH3_SCREENSHOTS}/mcp-consent-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByTestId('approve').click();
    const params = await nextCode;
    await context.close();

    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await transport.finishAuth(params.get('code')!);
    const granted = provider.saved.at(-1)!;
    const claims = JSON.parse(Buffer.from(granted.access_token.split('.')[1]!, 'base64url').toString()) as { aud: unknown; scope: string };
    expect([claims.aud].flat()).toEqual([mcpUrl]);
    const scopes = claims.scope.split(' ');
    expect(scopes).toContain('echo.say');

    await client.connect(transport);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    const expected = [...builtinPlugins, echoPlugin, otherPlugin]
      .flatMap((p) => p.plugin.actions.filter((a) => scopes.includes(a.scope)).map((a) => `${p.plugin.id}_${a.name.replace(/\./g, '_')}`))
      .sort();
    expect(names).toEqual(expected);
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'consented' } });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toMatchObject({
      echo: { text: 'consented' },
      authorized: upstreamToken,
    });
    expect(JSON.stringify(echo.requests.at(-1))).not.toContain(granted.access_token);
    await client.close();
  });
});
