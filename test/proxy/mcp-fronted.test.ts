import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/test-user.js';
import { toolText } from '../support/mcp-client.js';
import type { UpstreamOidc } from '../support/upstream-oidc.js';
import type { TestMcpServer } from '../support/mcp-server.js';
import { startFrontedNotes, type FrontedNotes } from '../support/fronted-notes.js';
import { proxyCalledEvents } from '../support/plugin-call.js';
import { issueAccessToken } from '../support/tokens.js';
import { setGrantPolicy, type GrantPolicy } from '../../src/proxy/policy/index.js';
import { decideApproval } from '../../src/proxy/approvals/index.js';
import { authorize, exchange, pkce, publicClient } from '../oauth/support/oauth-helpers.js';

describe.each(dialects)('an MCP server elsewhere, fronted by the gateway at /mcp/{id}, on %s', (dialect) => {
  let fronted: FrontedNotes;
  let upstream: UpstreamOidc;
  let mcp: TestMcpServer;
  let app: TestApp;
  let user: TestUser;
  let stranger: TestUser;
  let frontedUrl: string;

  beforeAll(async () => {
    fronted = await startFrontedNotes(dialect);
    ({ upstream, mcp, app, user, stranger, frontedUrl } = fronted);
  });
  afterAll(async () => {
    await fronted?.stop();
  });

  const token = (scopes: string[], o: { audience?: string; userId?: string } = {}) => fronted.token(scopes, o);
  const connect = (bearer: string, url = frontedUrl) => fronted.connect(bearer, url);

  it('answers 401 with its own resource_metadata without a token, and refuses a token for another audience', async () => {
    const init = { jsonrpc: '2.0', id: 0, method: 'tools/list', params: {} };
    for (const bearer of [
      undefined,
      await token(['notes.read'], { audience: `${app.url}/mcp` }),
      await token(['notes.read'], { audience: app.ctx.resources.gatewayUrl }),
    ]) {
      const res = await fetch(frontedUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(init),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain(
        `resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp/notes"`,
      );
    }
    expect(mcp.requests.length).toBe(0);
  });

  it('publishes the fronted server’s protected-resource metadata with its tools’ scopes', async () => {
    const res = await fetch(`${app.url}/.well-known/oauth-protected-resource/mcp/notes`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as { resource: string; resource_name: string; scopes_supported: string[] };
    expect(meta.resource).toBe(frontedUrl);
    expect(meta.resource_name).toBe('Notes');
    expect([...meta.scopes_supported].sort()).toEqual(['notes.admin', 'notes.read', 'notes.write']);
  });

  it('lists only the tools the token’s scopes allow', async () => {
    const reader = await connect(await token(['notes.read']));
    expect((await reader.listTools()).tools.map((t) => t.name)).toEqual(['notes_list']);
    await reader.close();
    const writer = await connect(await token(['notes.read', 'notes.write']));
    expect((await writer.listTools()).tools.map((t) => t.name).sort()).toEqual(['notes_add', 'notes_list']);
    await writer.close();
    // The server lists one tool a page: every page is read.
    const admin = await connect(await token(['notes.read', 'notes.write', 'notes.admin']));
    expect((await admin.listTools()).tools.map((t) => t.name)).toEqual(['notes_list', 'notes_add', 'admin_wipe']);
    await admin.close();
  });

  it('forwards a call with the server’s own credential from the vault; the client’s token never arrives', async () => {
    const bearer = await token(['notes.write']);
    const client = await connect(bearer);
    await client.listTools(); // the tools are known: the call below is the call alone
    const servedBefore = await tokenServedEvents();
    const before = mcp.requests.length;
    const result = await client.callTool({ name: 'notes_add', arguments: { text: 'buy milk' } });
    expect(result.isError).toBeFalsy();
    const answer = JSON.parse(toolText(result)) as { notes: string[]; authorization: string };
    expect(answer.notes).toContain('buy milk');
    const upstreamToken = mcp.called.at(-1)!.authorization;
    expect(answer.authorization).toBe(upstreamToken);
    expect(upstreamToken).toMatch(/^Bearer /);
    expect(upstreamToken).not.toContain(bearer);
    const seen = mcp.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen) {
      expect(r.headers.authorization).toBe(upstreamToken);
      expect(JSON.stringify(r.headers)).not.toContain(bearer);
      expect(r.headers.cookie).toBeUndefined();
    }
    await client.close();
    const events = await proxyCalledEvents(app, user.userId);
    const called = events.filter((e) => e.target_id === 'mcp-notes.notes_add').at(-1)!;
    // One event for the call: its proxy.called names the account it acted with, and the vault wrote none beside it
    const detail = typeof called.detail === 'string' ? JSON.parse(called.detail) : called.detail;
    expect(detail).toMatchObject({ provider: 'upstream', account: expect.any(String), via: 'mcp' });
    expect(await tokenServedEvents()).toBe(servedBefore);
  });

  /** How many vault.token_served events the person has. */
  async function tokenServedEvents(): Promise<number> {
    await app.ctx.audit.flush();
    const rows = await app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'vault.token_served')
      .where('user_id', '=', user.userId)
      .execute();
    return rows.length;
  }

  /** A token for the fronted server under a grant with this policy (the person's limits, as a consent stores them). */
  let grants = 0;
  async function limitedToken(scopes: string[], policy: GrantPolicy): Promise<string> {
    const grant = `fronted-${dialect}-${++grants}`;
    await setGrantPolicy(app.ctx.db, grant, policy);
    const issued = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: 'mcp-fronted-client',
      scopes,
      audience: [frontedUrl],
      ttl: 600,
      lineage: [grant],
    });
    return issued.token;
  }

  it('applies the person’s rate to a fronted tool (mcp-{id}.{tool}): N calls pass, the next is the proxy’s 429 and never reaches the server', async () => {
    const client = await connect(
      await limitedToken(['notes.write'], { actions: { 'mcp-notes.notes_add': { rate: { count: 2, per: 'hour' } } } }),
    );
    for (const text of ['one', 'two']) expect((await client.callTool({ name: 'notes_add', arguments: { text } })).isError).toBeFalsy();
    const before = mcp.called.length;
    const refused = await client.callTool({ name: 'notes_add', arguments: { text: 'three' } });
    expect(refused.isError).toBe(true);
    expect(toolText(refused)).toMatch(/^ERR_PROXY_RATE_LIMITED: mcp-notes\.notes_add: at most 2 an hour\./);
    expect(toolText(refused)).toMatch(/Retry after \d+ s\./);
    expect(mcp.called.length).toBe(before);
    await client.close();
    const events = await proxyCalledEvents(app, user.userId);
    const outcomes = events
      .filter((e) => e.target_id === 'mcp-notes.notes_add')
      .map((e) => (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) as Record<string, unknown>)
      .map((d) => d.outcome);
    expect(outcomes).toContain('ERR_PROXY_RATE_LIMITED');
  });

  it('applies a rate set on the scope to every fronted tool of that scope', async () => {
    const client = await connect(await limitedToken(['notes.read'], { actions: { 'notes.read': { rate: { count: 1, per: 'day' } } } }));
    expect((await client.callTool({ name: 'notes_list', arguments: {} })).isError).toBeFalsy();
    expect(toolText(await client.callTool({ name: 'notes_list', arguments: {} }))).toContain('ERR_PROXY_RATE_LIMITED');
    await client.close();
  });

  it('checks a fronted tool’s arguments against its inputSchema, and a constraint on a field it names (403 ERR_PROXY_POLICY)', async () => {
    const client = await connect(
      await limitedToken(['notes.write'], {
        actions: { 'mcp-notes.notes_add': { constraints: [{ kind: 'max_length', field: 'text', max: 5 }] } },
      }),
    );
    const before = mcp.called.length;
    const long = await client.callTool({ name: 'notes_add', arguments: { text: 'far too long' } });
    expect([long.isError, toolText(long)]).toEqual([
      true,
      expect.stringMatching(/^ERR_PROXY_POLICY: mcp-notes\.notes_add: text may be at most 5 characters/),
    ]);
    const missing = await client.callTool({ name: 'notes_add', arguments: {} });
    expect([missing.isError, toolText(missing)]).toEqual([true, expect.stringMatching(/^ERR_PROXY_INVALID_INPUT: .*"text"/)]);
    expect(mcp.called.length).toBe(before);
    expect((await client.callTool({ name: 'notes_add', arguments: { text: 'short' } })).isError).toBeFalsy();
    expect(mcp.called.length).toBe(before + 1);
    await client.close();
  });

  it('asks the person for a fronted tool under "ask me each time": the approval URL, nothing sent; once approved the same call runs once', async () => {
    const client = await connect(await limitedToken(['notes.write'], { actions: { 'mcp-notes.notes_add': { ask: true } } }));
    const before = mcp.called.length;
    const asked = await client.callTool({ name: 'notes_add', arguments: { text: 'approve me' } });
    expect(asked.isError).toBe(true);
    expect(toolText(asked)).toContain('ERR_PROXY_APPROVAL_REQUIRED');
    expect(toolText(asked)).toContain(`${app.ctx.config.publicUrl}/account/approvals#apr_`);
    expect(mcp.called.length).toBe(before);
    const id = /"approval_id":"(apr_[^"]+)"/.exec(toolText(asked))![1]!;
    const row = await app.ctx.db.selectFrom('proxy_approvals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect([row.plugin, row.action]).toEqual(['mcp-notes', 'notes_add']);
    // Other arguments do not ride on it.
    expect(await decideApproval(app.ctx, id, user.userId, 'approved')).toBe(true);
    expect(toolText(await client.callTool({ name: 'notes_add', arguments: { text: 'something else' } }))).toContain(
      'ERR_PROXY_APPROVAL_REQUIRED',
    );
    expect(mcp.called.length).toBe(before);
    const ran = await client.callTool({ name: 'notes_add', arguments: { text: 'approve me' } });
    expect(ran.isError).toBeFalsy();
    expect(mcp.called.length).toBe(before + 1);
    // Used: the same call again asks again.
    expect(toolText(await client.callTool({ name: 'notes_add', arguments: { text: 'approve me' } }))).toContain(
      'ERR_PROXY_APPROVAL_REQUIRED',
    );
    expect(mcp.called.length).toBe(before + 1);
    await client.close();
  });

  it('the consent page for the fronted server offers limits per tool; a rate set there binds the tokens of that consent', async () => {
    const redirectUri = 'http://127.0.0.1:9/cb';
    const client = await publicClient(app, redirectUri);
    const { verifier, challenge } = pkce();
    const params = {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'notes.write',
      resource: frontedUrl,
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const first = await fetch(`${app.url}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const html = await (await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: user.cookie } })).text();
    expect(html).toContain('name="policy_rate_count:mcp-notes.notes_add"');
    expect(html).not.toContain('name="policy_rate_count:mcp-notes.notes_list"'); // notes.read is not asked for
    const back = await authorize(app, user, {
      ...params,
      'policy_rate_count:mcp-notes.notes_add': '1',
      'policy_rate_per:mcp-notes.notes_add': 'day',
    });
    const tokens = await exchange(app, client.client_id, back.searchParams.get('code')!, verifier, redirectUri, { resource: frontedUrl });
    expect(tokens.status).toBe(200);
    const mcpClient = await connect(tokens.body.access_token as string);
    expect((await mcpClient.callTool({ name: 'notes_add', arguments: { text: 'once' } })).isError).toBeFalsy();
    expect(toolText(await mcpClient.callTool({ name: 'notes_add', arguments: { text: 'twice' } }))).toContain('ERR_PROXY_RATE_LIMITED');
    await mcpClient.close();
  });

  it('refuses a tool beyond the token’s scopes with 403 insufficient_scope naming its scope; nothing reaches the server', async () => {
    const bearer = await token(['notes.write']);
    const before = mcp.called.length;
    const res = await fetch(frontedUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin_wipe', arguments: {} } }),
    });
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="notes.admin notes.write"');
    expect(challenge).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp/notes"`);
    expect(mcp.called.length).toBe(before);
  });

  it('answers a person who has not connected the provider with the connect URL', async () => {
    const client = await connect(await token(['notes.write', 'notes.read'], { userId: stranger.userId }));
    const result = await client.callTool({ name: 'notes_add', arguments: { text: 'x' } });
    expect(result.isError).toBe(true);
    expect(toolText(result)).toContain(`${app.url}/account/connections`);
    await expect(client.listTools()).rejects.toThrow(/account\/connections/);
    await client.close();
  });

  it('reaches a fronted server only through the SSRF policy: a private address outside the allowed ranges is refused', async () => {
    const client = await connect(await token(['private.use'], { audience: `${app.url}/mcp/private` }), `${app.url}/mcp/private`);
    await expect(client.listTools()).rejects.toThrow(/may not reach/);
    await client.close();
  });

  // Last: it leaves the person's connection needing re-authorization.
  it('a server refusing the credential: one refresh and retry with a new one, then the connection needs re-authorization', async () => {
    const stale = mcp.requireBearer!;
    mcp.requireBearer = 'a-token-the-server-now-wants';
    const before = mcp.requests.length;
    const client = await connect(await token(['notes.write']));
    const result = await client.callTool({ name: 'notes_add', arguments: { text: 'x' } });
    expect(result.isError).toBe(true);
    expect(toolText(result)).toContain('ERR_PROXY_NEEDS_REAUTH');
    expect(toolText(result)).toContain(`${app.url}/account/connections`);
    const sent = [...new Set(mcp.requests.slice(before).map((r) => r.headers.authorization))];
    expect(sent).toHaveLength(2); // the stored token, then the one the vault refreshed
    expect(sent[0]).toBe(`Bearer ${stale}`);
    const row = await app.ctx.db
      .selectFrom('vault_connections')
      .select('status')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('needs_reauth');
    await client.close();
  });
});
