import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { proxyCalledEvents } from '../support/plugin-call.js';
import { connectWithBearer, mcpBearer, toolNamesFor, toolText } from '../support/mcp-client.js';
import type { UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import type { EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin, otherPlugin } from '../support/echo-plugin.js';
import { builtinPlugins, definePlugin, type PluginModule } from '../../src/proxy/index.js';
import { OAuthError } from '../../src/errors/index.js';

/** A plugin whose actions are refused as a policy or an upstream refuses: what the model gets must say why. */
const refusingPlugin = definePlugin({
  name: 'refusing',
  scopes: [{ name: 'refusing.use', description: 'Use the refusing plugin', group: 'act' }],
  plugin: {
    id: 'refusing',
    name: 'Refusing',
    upstreamHosts: [],
    actions: [
      {
        name: 'refuse',
        title: 'Refused',
        description: 'Always refused, as an upstream refuses a request.',
        scope: 'refusing.use',
        input: { type: 'object', properties: {} },
        async handler({ fail }) {
          return fail('refused', 'the chat 42 is not one this grant may post to');
        },
      },
      {
        name: 'limited',
        title: 'Rate limited',
        description: 'Always over its rate.',
        scope: 'refusing.use',
        input: { type: 'object', properties: {} },
        async handler() {
          const e = new OAuthError(429, 'rate_limited', 'at most 5 calls a minute under this grant');
          e.retryAfter = 7;
          throw e;
        },
      },
    ],
  },
});

const PLUGINS: PluginModule[] = [...builtinPlugins, echoPlugin, otherPlugin, refusingPlugin];
/** The tools a token with `scopes` should see: every action of every loaded plugin whose scope it has. */
const toolsFor = (scopes: string[]) => toolNamesFor(PLUGINS, scopes);

const TOOLS_CALL = (name: string, args: unknown = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name, arguments: args },
});

describe.each(dialects)('the gateway’s MCP server at /mcp on %s', (dialect) => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  let stranger: TestUser;
  let upstreamToken: string;
  let mcpUrl: string;

  beforeAll(async () => {
    gw = await startEchoGateway(dialect, { plugins: [echoPlugin, otherPlugin, refusingPlugin] });
    ({ app, upstream, echo } = gw);
    mcpUrl = `${app.url}/mcp`;
    user = await createTestUser(app);
    stranger = await createTestUser(app); // has connected nothing
    upstreamToken = (await connectUpstream(app, user.userId, upstream)).tokens.access_token;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const token = (scopes: string[], o: { audience?: string; userId?: string } = {}) =>
    mcpBearer(app, { userId: o.userId ?? user.userId, clientId: 'mcp-test-client', scopes, audience: o.audience ?? mcpUrl });

  const connect = (bearer: string) => connectWithBearer(mcpUrl, bearer, 'mcp-test');

  const post = (body: unknown, bearer?: string) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it('answers 401 with the resource_metadata challenge without a token, with an invalid one, and with a token for another audience', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const gatewayToken = await token(['echo.say'], { audience: app.ctx.resources.gatewayUrl });
    for (const bearer of [undefined, 'not-a-token', gatewayToken]) {
      const res = await post(init, bearer);
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp"`);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
    }
    // The session cookie never counts.
    const cookie = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...user.headers },
      body: JSON.stringify(init),
    });
    expect(cookie.status).toBe(401);
    // And a token for /mcp is not one for the gateway's API.
    const res = await fetch(`${app.url}/proxy/echo/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(['echo.say'])}` },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(res.status).toBe(401);
  });

  it('publishes its protected-resource metadata with the plugins’ scopes', async () => {
    const res = await fetch(`${app.url}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
    expect(meta.resource).toBe(mcpUrl);
    expect(meta.authorization_servers).toEqual([app.url]);
    expect([...meta.scopes_supported].sort()).toEqual([...new Set(PLUGINS.flatMap((p) => p.plugin.actions.map((a) => a.scope)))].sort());
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['echo.read', 'echo.say', 'other.ping']));
  });

  it('lists only the tools the token’s scopes allow, with the action’s schema and read-only hint', async () => {
    const client = await connect(await token(['echo.read']));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(toolsFor(['echo.read']));
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo_fetch', 'echo_note']));
    expect(tools.map((t) => t.name)).not.toContain('echo_say');
    const fetchTool = tools.find((t) => t.name === 'echo_fetch')!;
    expect(fetchTool.inputSchema).toEqual(echoPlugin.plugin.actions.find((a) => a.name === 'fetch')!.input);
    expect(fetchTool.annotations?.readOnlyHint).toBe(true);
    expect(fetchTool.description).toBe(echoPlugin.plugin.actions.find((a) => a.name === 'fetch')!.description);
    await client.close();

    const both = await connect(await token(['echo.say', 'other.ping']));
    const names = (await both.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(toolsFor(['echo.say', 'other.ping']));
    expect(names).toEqual(expect.arrayContaining(['echo_say', 'other_ping']));
    expect(names).not.toContain('echo_fetch');
    expect((await both.listTools()).tools.find((t) => t.name === 'echo_say')!.annotations?.readOnlyHint).toBe(false);
    await both.close();
  });

  it('calls a tool through the proxy: the upstream gets the person’s upstream token, never the MCP token', async () => {
    const bearer = await token(['echo.say']);
    const client = await connect(bearer);
    const before = echo.requests.length;
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'hello over mcp' } });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(toolText(result))).toEqual({ echo: { text: 'hello over mcp' }, path: '/say', authorized: upstreamToken });
    expect(echo.requests.length).toBe(before + 1);
    expect(JSON.stringify(echo.requests.at(-1))).not.toContain(bearer);
    await client.close();

    const events = await proxyCalledEvents(app, user.userId);
    const last = events.map((e) => (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) as Record<string, unknown>).at(-1)!;
    expect(last).toMatchObject({ plugin: 'echo', action: 'say', via: 'mcp', outcome: 'ok' });
    expect(JSON.stringify(events)).not.toContain(bearer);
  });

  it('refuses a tool beyond the token’s scopes with HTTP 403 insufficient_scope naming the scope (step-up)', async () => {
    const bearer = await token(['echo.read']);
    const res = await post(TOOLS_CALL('echo_say', { text: 'not allowed' }), bearer);
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="echo.say echo.read"');
    expect(challenge).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp"`);
    // Through the SDK client too: the call fails, nothing reaches the upstream.
    const before = echo.requests.length;
    const client = await connect(bearer);
    await expect(client.callTool({ name: 'echo_say', arguments: { text: 'x' } })).rejects.toThrow(/insufficient_scope/);
    expect(echo.requests.length).toBe(before);
    await client.close();
  });

  it('answers a person without the connection with an isError result naming the connect URL', async () => {
    const client = await connect(await token(['echo.say'], { userId: stranger.userId }));
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'hi' } });
    expect(result.isError).toBe(true);
    expect(toolText(result)).toContain('ERR_PROXY_NOT_CONNECTED');
    expect(toolText(result)).toContain(`${app.url}/account/connections`);
    await client.close();
  });

  it('answers bad arguments with an isError result naming the field, and an unknown tool with a JSON-RPC error', async () => {
    const client = await connect(await token(['echo.say']));
    const bad = await client.callTool({ name: 'echo_say', arguments: { text: 'x', times: 9 } });
    expect(bad.isError).toBe(true);
    expect(toolText(bad)).toContain('ERR_PROXY_INVALID_INPUT');
    expect(toolText(bad)).toContain('times');
    await expect(client.callTool({ name: 'nope_nothing', arguments: {} })).rejects.toThrow(/No tool "nope_nothing"/);
    await client.close();
  });

  it('answers a refusal with an isError result that says why and, for a rate limit, when to try again', async () => {
    const client = await connect(await token(['refusing.use']));
    const refused = await client.callTool({ name: 'refusing_refuse', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(toolText(refused)).toContain('ERR_PROXY_UPSTREAM_REFUSED');
    expect(toolText(refused)).toContain('the chat 42 is not one this grant may post to');
    const limited = await client.callTool({ name: 'refusing_limited', arguments: {} });
    expect(limited.isError).toBe(true);
    expect(toolText(limited)).toContain('at most 5 calls a minute under this grant');
    expect(toolText(limited)).toContain('Retry after 7 s.');
    await client.close();
  });

  it('is stateless: GET and DELETE are 405, and still need the token', async () => {
    const bearer = await token(['echo.read']);
    for (const method of ['GET', 'DELETE']) {
      expect((await fetch(mcpUrl, { method })).status).toBe(401);
      const res = await fetch(mcpUrl, { method, headers: { authorization: `Bearer ${bearer}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});

describe('MCP tool names', () => {
  it('stop the start when two actions would be the same tool', async () => {
    const plugin = (id: string, action: string) =>
      definePlugin({
        name: `p_${id}`,
        scopes: [{ name: `${id}.use`, description: `Use ${id}` }],
        plugin: {
          id,
          name: id,
          upstreamHosts: [],
          actions: [
            {
              name: action,
              title: action,
              description: action,
              scope: `${id}.use`,
              input: { type: 'object' },
              handler: async () => null,
            },
          ],
        },
      });
    await expect(startTestApp('sqlite', {}, [plugin('a', 'b_c'), plugin('a_b', 'c')])).rejects.toThrow(
      /the actions a\.b_c and a_b\.c would both be the MCP tool a_b_c/,
    );
  });
});
