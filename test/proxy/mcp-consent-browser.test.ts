import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { launchBrowser, newPasskeyPage, signUpWithPasskey } from '../support/browser.js';
import type { UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import type { EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin, otherPlugin } from '../support/echo-plugin.js';
import { MemoryAuthProvider, signInToConsent, startRedirectCatcher, type RedirectCatcher } from '../support/mcp-server-client-auth.js';
import { toolNamesFor, toolText } from '../support/mcp-client.js';
import { builtinPlugins } from '../../src/proxy/index.js';

describe('an MCP client authorizes for /mcp with the person’s consent in Chromium, then calls a tool', () => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let gw: EchoGateway;
  let app: TestApp;
  let callback: RedirectCatcher;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite', { plugins: [echoPlugin, otherPlugin] });
    ({ app, upstream, echo } = gw);
    callback = await startRedirectCatcher();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await callback?.close();
    await gw?.stop();
  });

  it('401 → discovery of /mcp → registration → passkey sign-in and consent → a token for /mcp → its tools → a call', async () => {
    const mcpUrl = `${app.url}/mcp`;
    const { context, page } = await newPasskeyPage(browser);
    const { userId } = await signUpWithPasskey(page, app.url);
    const upstreamToken = (await connectUpstream(app, userId, upstream)).tokens.access_token;
    await context.clearCookies();

    const provider = new MemoryAuthProvider(callback.redirectUrl, 'MCP host');
    const client = new Client({ name: 'mcp-consent-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const auth = provider.authorizationUrl!;
    expect(auth.origin + auth.pathname).toBe(`${app.url}/authorize`);
    expect(auth.searchParams.get('resource')).toBe(mcpUrl);

    await signInToConsent(page, auth);
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
    const params = await callback.nextCode;
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
    expect(names).toEqual(toolNamesFor([...builtinPlugins, echoPlugin, otherPlugin], scopes));
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'consented' } });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(toolText(result))).toMatchObject({
      echo: { text: 'consented' },
      authorized: upstreamToken,
    });
    expect(JSON.stringify(echo.requests.at(-1))).not.toContain(granted.access_token);
    await client.close();
  });
});
