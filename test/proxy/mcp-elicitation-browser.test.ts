import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UrlElicitationRequiredError, type ElicitRequestURLParams } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { launchBrowser } from '../support/browser.js';
import { personWithPasskey } from '../support/passkey-person.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { connectWithBearer, toolText } from '../support/mcp-client.js';
import { issueAccessToken } from '../support/tokens.js';
import { setGrantPolicy } from '../../src/proxy/index.js';
import { findApproval } from '../../src/proxy/approvals/index.js';

/** The URL elicitation of a -32042 answer (failing the test on any other answer). */
async function elicitationOf(call: Promise<unknown>): Promise<ElicitRequestURLParams> {
  const error = await call.then(
    () => expect.fail('the call should have answered -32042'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UrlElicitationRequiredError);
  expect((error as UrlElicitationRequiredError).code).toBe(-32042);
  return (error as UrlElicitationRequiredError).elicitations[0]!;
}

describe('an /mcp tool call under "ask me each time", answered with a URL elicitation and approved with a passkey in Chromium', () => {
  let gw: EchoGateway;
  let browser: Browser;
  const clients: Client[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startEchoGateway('sqlite'), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await browser?.close();
    await gw?.stop();
  });

  it('the approval runs the call once, for its caller and its arguments only', async () => {
    const { app, echo } = gw;
    const ada = await createTestUser(app);
    const upstreamToken = (await connectUpstream(app, ada.userId, gw.upstream)).tokens.access_token;
    const person = await personWithPasskey(browser, app, ada);
    await setGrantPolicy(app.ctx.db, 'elicit-browser', { actions: { 'echo.say': { ask: true } } });
    const client = async (clientId: string) => {
      const { token } = await issueAccessToken(app.ctx, {
        userId: ada.userId,
        clientId,
        scopes: ['echo.say'],
        audience: [`${app.url}/mcp`],
        ttl: 600,
        lineage: ['elicit-browser'],
      });
      const c = await connectWithBearer(`${app.url}/mcp`, token, clientId, { elicitation: { url: {} } });
      clients.push(c);
      return c;
    };
    const [agent, otherAgent] = await Promise.all([client('elicit-agent'), client('elicit-other-agent')]);
    const say = (c: Client, text: string) => c.callTool({ name: 'echo_say', arguments: { text } });
    const before = echo.requests.length;

    const asked = await elicitationOf(say(agent, 'Ship it'));
    expect(asked.url).toBe(`${app.url}/account/approvals#${asked.elicitationId}`);
    const id = asked.elicitationId;

    // The person opens the elicitation's URL: the action and the exact arguments; approved with the passkey
    await person.page.goto(asked.url);
    const card = person.page.locator(`[data-approval-id="${id}"]`);
    expect(await card.getByTestId('approval-arguments').innerText()).toContain('"text": "Ship it"');
    await person.page.locator(`form[data-approve="${id}"] button`).click();
    await person.page.waitForURL(`${app.url}/account/approvals?ok=approved`);
    expect((await findApproval(app.ctx, id))?.status).toBe('approved');

    // Another caller with the same arguments does not consume it: it is asked on its own
    const theirs = await elicitationOf(say(otherAgent, 'Ship it'));
    expect(theirs.elicitationId).not.toBe(id);
    // Nor does the caller itself with other arguments
    const changed = await elicitationOf(say(agent, 'Ship it now'));
    expect(changed.elicitationId).not.toBe(id);
    expect((await findApproval(app.ctx, id))?.status).toBe('approved');
    expect(echo.requests.length).toBe(before);

    // The retry: the same call again runs, exactly once, with the person's upstream token
    const ran = await say(agent, 'Ship it');
    expect(ran.isError).toBeFalsy();
    expect(JSON.parse(toolText(ran))).toMatchObject({ echo: { text: 'Ship it' }, authorized: upstreamToken });
    expect(echo.requests.length).toBe(before + 1);
    expect((await findApproval(app.ctx, id))?.status).toBe('used');

    // Single use: once more asks again, and nothing runs
    const again = await elicitationOf(say(agent, 'Ship it'));
    expect(again.elicitationId).not.toBe(id);
    expect(echo.requests.length).toBe(before + 1);
    await person.context.close();
  });
});
