import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileTokenStore, type StoredCredentials } from '../../src/client/index.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { toolText } from '../support/mcp-client.js';
import { authorize, postForm } from '../oauth/support/oauth-helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts', 'mcp-bridge'];

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-stdio-client', version: '1' } },
};

/** Waits until `check()` is true (bounded), polling. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bridge spawned by hand: what it writes on stdout and stderr, raw, and its exit. */
function spawnBridge(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [...CLI, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', exit: undefined as number | null | undefined };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((out.exit = code))));
  return { child, out, exited, send: (m: unknown) => child.stdin!.write(`${JSON.stringify(m)}\n`) };
}

/** Every line of stdout, each of which must be one JSON-RPC message. */
const jsonRpcLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = JSON.parse(line) as { jsonrpc: string; id?: number; result?: any; error?: any };
      expect(m.jsonrpc).toBe('2.0');
      return m;
    });

describe('oauth3 mcp-bridge URL (the real CLI) in front of the gateway’s /mcp', () => {
  let gw: EchoGateway;
  let user: TestUser;
  let mcpUrl: string;
  let upstreamToken: string;
  const homes: string[] = [];

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    mcpUrl = `${gw.app.url}/mcp`;
    user = await createTestUser(gw.app);
    upstreamToken = (await connectUpstream(gw.app, user.userId, gw.upstream)).tokens.access_token;
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
  });

  /** A clean environment with a temp XDG_CONFIG_HOME, holding these credentials if given. */
  async function homeWith(creds?: StoredCredentials): Promise<Record<string, string>> {
    const home = await mkdtemp(join(tmpdir(), 'oauth3-bridge-'));
    homes.push(home);
    if (creds) await fileTokenStore({ issuer: creds.issuer, resource: creds.resource, dir: join(home, 'oauth3') }).save(creds);
    return { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home };
  }

  const refreshes = async () => {
    await gw.app.ctx.audit.flush();
    const rows = await gw.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'oauth.token.refreshed')
      .where('user_id', '=', user.userId)
      .execute();
    return rows.length;
  };

  /** The MCP SDK's stdio client, spawning the bridge. */
  async function sdkClient(env: Record<string, string>): Promise<{ client: Client; stderr: () => string }> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [...CLI, mcpUrl], env, cwd: root, stderr: 'pipe' });
    let stderr = '';
    transport.stderr!.on('data', (d) => (stderr += d));
    const client = new Client({ name: 'stdio-host', version: '1.0.0' });
    await client.connect(transport);
    return { client, stderr: () => stderr };
  }

  it('lets the SDK’s stdio client call a tool; a token revoked mid-session is refreshed once and the call goes through', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'], resource: mcpUrl });
    const { client, stderr } = await sdkClient(await homeWith(creds));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo_say', 'echo_swallow']);
    const first = await client.callTool({ name: 'echo_say', arguments: { text: 'over stdio' } });
    expect(JSON.parse(toolText(first))).toEqual({ echo: { text: 'over stdio' }, path: '/say', authorized: upstreamToken });

    // The access token is revoked at the server (RFC 7009): the next request is refused, refreshed once, sent again.
    const before = await refreshes();
    const revoked = await postForm(`${gw.app.url}/revoke`, { token: creds.access_token, client_id: creds.client.client_id });
    expect(revoked.status).toBe(200);
    const second = await client.callTool({ name: 'echo_say', arguments: { text: 'after the refresh' } });
    expect(JSON.parse(toolText(second)).echo).toEqual({ text: 'after the refresh' });
    expect(await refreshes()).toBe(before + 1);
    await client.callTool({ name: 'echo_say', arguments: { text: 'and again' } });
    expect(await refreshes()).toBe(before + 1);
    await client.close();
    expect(stderr()).not.toContain(creds.access_token);
    expect(stderr()).not.toContain(creds.refresh_token!);
  });

  it('refreshes a stored token that has expired once, before the first request, and calls with the new one', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'], resource: mcpUrl });
    const env = await homeWith({ ...creds, expires_at: Math.floor(Date.now() / 1000) - 10 });
    const before = await refreshes();
    const { client } = await sdkClient(env);
    for (const text of ['one', 'two']) {
      const result = await client.callTool({ name: 'echo_say', arguments: { text } });
      expect(JSON.parse(toolText(result)).echo).toEqual({ text });
    }
    expect(await refreshes()).toBe(before + 1);
    await client.close();
    const stored = await fileTokenStore({ issuer: creds.issuer, resource: mcpUrl, dir: join(env.XDG_CONFIG_HOME!, 'oauth3') }).load();
    expect(stored!.refresh_token).not.toBe(creds.refresh_token);
    expect(stored!.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it('with no stored login and --no-browser: the login URL goes to stderr, stdout carries JSON-RPC only, and the session works after the login', async () => {
    const bridge = spawnBridge([mcpUrl, '--no-browser', '--scope', 'echo.say'], await homeWith());
    try {
      bridge.send(INITIALIZE);
      await until('the login URL on stderr', () => /https?:\/\/\S+\/authorize\?\S+/.test(bridge.out.stderr));
      expect(bridge.out.stdout).toBe('');
      const url = new URL(/https?:\/\/\S+\/authorize\?\S+/.exec(bridge.out.stderr)![0]);
      expect(url.origin).toBe(gw.app.url);
      expect(url.searchParams.get('resource')).toBe(mcpUrl);
      // The person consents (their session, no browser here); the browser would follow the redirect to the loopback.
      const back = await authorize(gw.app, user, Object.fromEntries(url.searchParams));
      expect(back.hostname).toMatch(/^(127\.0\.0\.1|\[::1\])$/);
      expect((await fetch(back)).status).toBe(200);

      await until('the initialize answer', () => bridge.out.stdout.includes('"id":1'));
      const [init] = jsonRpcLines(bridge.out.stdout);
      expect(init!.result.protocolVersion).toBeTruthy();
      bridge.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      bridge.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo_say', arguments: { text: 'first use' } } });
      await until('the tool’s answer', () => bridge.out.stdout.includes('"id":2'));
      const answer = jsonRpcLines(bridge.out.stdout).find((m) => m.id === 2)!;
      expect(JSON.parse(answer.result.content[0].text).echo).toEqual({ text: 'first use' });
      expect(bridge.out.stderr).not.toMatch(/"jsonrpc"/);

      // stdin closes: the bridge ends the remote session and exits 0 by itself
      bridge.child.stdin!.end();
      expect(await Promise.race([bridge.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
    } finally {
      if (bridge.out.exit === undefined) bridge.child.kill('SIGKILL');
    }
  });

  it('exits when stdin closes while the first login is still waiting for the browser', async () => {
    const bridge = spawnBridge([mcpUrl, '--no-browser'], await homeWith());
    try {
      bridge.send(INITIALIZE);
      await until('the login URL on stderr', () => /\/authorize\?/.test(bridge.out.stderr));
      bridge.child.stdin!.end();
      expect(await Promise.race([bridge.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
      expect(bridge.out.stdout).toBe('');
    } finally {
      if (bridge.out.exit === undefined) bridge.child.kill('SIGKILL');
    }
  });

  it('refuses a URL that is not http(s) with one line and exit 1, writing nothing to stdout', async () => {
    const bridge = spawnBridge(['file:///etc/passwd'], await homeWith());
    expect(await bridge.exited).toBe(1);
    expect(bridge.out.stdout).toBe('');
    expect(bridge.out.stderr).toMatch(/^oauth3: not an http\(s\) URL/);
  });
});
