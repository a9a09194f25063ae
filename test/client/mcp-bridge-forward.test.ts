import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { authorizedFetch, type BearerSource } from '../../src/client/mcp-bridge/authorized-fetch.js';
import { startMcpBridge, type McpBridge } from '../../src/client/mcp-bridge/mcp-bridge.js';
import { TokenError, OAuthFlowError, type StoredCredentials } from '../../src/client/index.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { toolText } from '../support/mcp-client.js';
import { refresh } from '../oauth/support/oauth-helpers.js';

/**
 * Tokens as the bridge sees them, refreshed at the gateway for real (the token endpoint, rotation): counts the
 * refreshes and the bearers the gateway was sent.
 */
function gatewayTokens(gw: EchoGateway, creds: StoredCredentials) {
  let current = creds;
  const source = {
    refreshes: 0,
    set(c: StoredCredentials) {
      current = c;
    },
    async getAccessToken() {
      return current.access_token;
    },
    async refresh() {
      source.refreshes++;
      const res = await refresh(gw.app, current.client.client_id, current.refresh_token!);
      if (res.status !== 200) throw new TokenError('log in again', { reason: 'login_required' });
      current = { ...current, access_token: res.body.access_token, refresh_token: res.body.refresh_token };
    },
  };
  return source;
}

/** The bridge between an SDK client (in memory, as a stdio client would be) and the gateway's /mcp. */
async function bridged(
  url: string,
  fetch: ReturnType<typeof authorizedFetch>,
): Promise<{ client: Client; bridge: McpBridge; log: string[] }> {
  const [clientSide, bridgeSide] = InMemoryTransport.createLinkedPair();
  const log: string[] = [];
  const bridge = await startMcpBridge({ url, fetch, local: bridgeSide, log: (l) => log.push(l) });
  const client = new Client({ name: 'bridge-test', version: '1.0.0' });
  await client.connect(clientSide);
  return { client, bridge, log };
}

describe('the MCP bridge (library) between an SDK client and the gateway’s /mcp', () => {
  let gw: EchoGateway;
  let user: TestUser;
  let mcpUrl: string;
  let upstreamToken: string;

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    mcpUrl = `${gw.app.url}/mcp`;
    user = await createTestUser(gw.app);
    upstreamToken = (await connectUpstream(gw.app, user.userId, gw.upstream)).tokens.access_token;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('forwards initialize, tools/list and tools/call, and the remote’s answers, both ways', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'], resource: mcpUrl });
    const tokens = gatewayTokens(gw, creds);
    const { client, bridge } = await bridged(mcpUrl, authorizedFetch({ tokens }));
    expect(client.getServerVersion()?.name).toBeTruthy();
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo_say');
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'through the bridge' } });
    expect(JSON.parse(toolText(result))).toEqual({ echo: { text: 'through the bridge' }, path: '/say', authorized: upstreamToken });
    expect(tokens.refreshes).toBe(0);
    await client.close();
    await bridge.closed;
  });

  it('refreshes once when the gateway refuses the bearer (401), then sends the request again', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'], resource: mcpUrl });
    const tokens = gatewayTokens(gw, { ...creds, access_token: 'revoked-or-garbage' });
    const { client, bridge } = await bridged(mcpUrl, authorizedFetch({ tokens }));
    const result = await client.callTool({ name: 'echo_say', arguments: { text: 'after a refresh' } });
    expect(JSON.parse(toolText(result)).echo).toEqual({ text: 'after a refresh' });
    expect(tokens.refreshes).toBe(1);
    await client.close();
    await bridge.closed;
  });

  it('answers a 401 after the refresh as a JSON-RPC error to the client: no third try, no hang', async () => {
    let refreshes = 0;
    const tokens: BearerSource = {
      getAccessToken: async () => (refreshes ? 'still-bad' : 'bad'),
      refresh: async () => void refreshes++,
    };
    const [clientSide, bridgeSide] = InMemoryTransport.createLinkedPair();
    const log: string[] = [];
    const bridge = await startMcpBridge({ url: mcpUrl, fetch: authorizedFetch({ tokens }), local: bridgeSide, log: (l) => log.push(l) });
    const client = new Client({ name: 'bridge-test', version: '1.0.0' });
    await expect(client.connect(clientSide)).rejects.toThrow(/the remote MCP server: .*invalid_token/);
    expect(refreshes).toBe(1);
    expect(log.join('\n')).not.toContain('still-bad');
    await bridge.close();
  });

  it('logs in once when there is no login, however many requests wait for it', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'], resource: mcpUrl });
    let stored: StoredCredentials | undefined;
    let logins = 0;
    const tokens: BearerSource = {
      getAccessToken: async () => {
        if (!stored) throw new TokenError('not logged in', { reason: 'login_required' });
        return stored.access_token;
      },
      refresh: async () => undefined,
    };
    const login = async () => {
      logins++;
      await new Promise((r) => setTimeout(r, 50));
      stored = creds;
    };
    const fetch = authorizedFetch({ tokens, login });
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(mcpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
          }),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(logins).toBe(1);
  });

  it('stops when the login fails: the waiting request gets a JSON-RPC error and `closed` rejects with the login’s error', async () => {
    const tokens: BearerSource = {
      getAccessToken: async () => {
        throw new TokenError('not logged in', { reason: 'login_required' });
      },
      refresh: async () => undefined,
    };
    const failed = new OAuthFlowError('the login timed out', { reason: 'timeout' });
    const [clientSide, bridgeSide] = InMemoryTransport.createLinkedPair();
    const bridge = await startMcpBridge({
      url: mcpUrl,
      fetch: authorizedFetch({ tokens, login: async () => Promise.reject(failed) }),
      local: bridgeSide,
      log: () => undefined,
    });
    const client = new Client({ name: 'bridge-test', version: '1.0.0' });
    await expect(client.connect(clientSide)).rejects.toThrow(/the login timed out/);
    await expect(bridge.closed).rejects.toBe(failed);
  });

  it('answers a request the remote cannot be reached for with a JSON-RPC error naming why', async () => {
    const tokens: BearerSource = { getAccessToken: async () => 'x', refresh: async () => undefined };
    const [clientSide, bridgeSide] = InMemoryTransport.createLinkedPair();
    const bridge = await startMcpBridge({
      url: 'http://127.0.0.1:9/mcp',
      fetch: authorizedFetch({ tokens }),
      local: bridgeSide,
      log: () => undefined,
    });
    const client = new Client({ name: 'bridge-test', version: '1.0.0' });
    await expect(client.connect(clientSide)).rejects.toThrow(/the remote MCP server: .*fetch failed/);
    await bridge.close();
  });
});
