import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { personWithPasskey } from '../support/passkey-person.js';
import type { TestApp } from '../support/test-app.js';
import type { TestMcpServer } from '../support/mcp-server.js';
import { startFrontedNotes, type FrontedNotes } from '../support/fronted-notes.js';
import { connectWithBearer, toolText } from '../support/mcp-client.js';
import { issueAccessToken } from '../support/tokens.js';
import { setGrantPolicy } from '../../src/proxy/policy/index.js';

describe('a fronted MCP server’s tool under "ask me each time", approved with a passkey in Chromium', () => {
  let fronted: FrontedNotes;
  let mcp: TestMcpServer;
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [fronted, browser] = await Promise.all([startFrontedNotes('sqlite'), launchBrowser()]);
    ({ mcp, app } = fronted);
  });
  afterAll(async () => {
    await browser?.close();
    await fronted?.stop();
  });

  it('the tool call answers the approval URL (isError), nothing reaches the server; approved with the passkey, the same call runs once', async () => {
    const ada = fronted.user; // connected: the server takes only their upstream token
    const person = await personWithPasskey(browser, app, ada);
    await setGrantPolicy(app.ctx.db, 'fronted-ask', { actions: { 'mcp-notes.notes_add': { ask: true } } });
    const { token } = await issueAccessToken(app.ctx, {
      userId: ada.userId,
      clientId: 'fronted-browser-client',
      scopes: ['notes.write'],
      audience: [`${app.url}/mcp/notes`],
      ttl: 600,
      lineage: ['fronted-ask'],
    });
    const client = await connectWithBearer(`${app.url}/mcp/notes`, token, 'fronted-browser-test');
    const asked = await client.callTool({ name: 'notes_add', arguments: { text: 'Meet at 10' } });
    expect(asked.isError).toBe(true);
    const approveUrl = /(http\S+\/account\/approvals#apr_[A-Za-z0-9_-]+)/.exec(toolText(asked))?.[1];
    expect(approveUrl).toBeDefined();
    const id = approveUrl!.split('#')[1]!;
    expect(mcp.called).toHaveLength(0);

    // The person's page names the server's tool and the exact arguments, at 1280 and 390 px without overflow.
    for (const width of [1280, 390]) {
      await person.page.setViewportSize({ width, height: 900 });
      await person.page.goto(approveUrl!);
      const card = person.page.locator(`[data-approval-id="${id}"]`);
      expect(await card.innerText()).toContain('Notes: notes_add');
      expect(await card.getByTestId('approval-arguments').innerText()).toContain('"text": "Meet at 10"');
      expect(await person.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await person.page.screenshot({ path: `/tmp/fronted-approval-${width}.png`, fullPage: true });
    }
    await person.page.locator(`form[data-approve="${id}"] button`).click();
    await person.page.waitForURL(`${app.url}/account/approvals?ok=approved`);

    const ran = await client.callTool({ name: 'notes_add', arguments: { text: 'Meet at 10' } });
    expect(ran.isError).toBeFalsy();
    expect(JSON.parse(toolText(ran)).notes).toEqual(['Meet at 10']);
    expect(mcp.called.map((c) => c.name)).toEqual(['notes_add']);
    // Single use: the same call again asks again, nothing reaches the server.
    expect(toolText(await client.callTool({ name: 'notes_add', arguments: { text: 'Meet at 10' } }))).toContain(
      'ERR_PROXY_APPROVAL_REQUIRED',
    );
    expect(mcp.called).toHaveLength(1);
    await client.close();
    await person.context.close();
  });
});
