import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { proxyCalledEvents } from '../support/plugin-call.js';
import { connectWithBearer, mcpBearer, toolText } from '../support/mcp-client.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startTestMcpServer, type TestMcpServer } from '../support/mcp-server.js';
import { issueAccessToken } from '../support/tokens.js';
import { setGrantPolicy, type GrantPolicy } from '../../src/proxy/policy/index.js';
import { decideApproval } from '../../src/proxy/approvals/index.js';
import { policyFromGrantForm, policyKeysFor, proxyOf } from '../../src/proxy/index.js';
import { knownTools, loadKnownTools, rememberTools } from '../../src/proxy/plugins/mcp/fronted-tools.js';
import { authorize, exchange, pkce, publicClient } from '../oauth/support/oauth-helpers.js';

describe.each(dialects)('an MCP server elsewhere, fronted by the gateway at /mcp/{id}, on %s', (dialect) => {
  let upstream: UpstreamOidc;
  let mcp: TestMcpServer;
  let app: TestApp;
  let user: TestUser;
  let stranger: TestUser;
  let frontedUrl: string;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    mcp = await startTestMcpServer();
    app = await startTestApp(dialect, {
      providers: [upstream.providerEntry()],
      proxyAllowRanges: ['127.0.0.0/8'],
      mcpServers: [
        {
          id: 'notes',
          name: 'Notes',
          url: mcp.url,
          scopes: { notes_list: 'notes.read', admin_wipe: 'notes.admin' },
          default_scope: 'notes.write',
          provider: 'upstream',
        },
        { id: 'private', url: 'http://10.0.0.1:9/mcp', default_scope: 'private.use' },
      ],
    });
    user = await createTestUser(app);
    stranger = await createTestUser(app);
    const upstreamToken = (await connectUpstream(app, user.userId, upstream)).tokens.access_token;
    mcp.requireBearer = upstreamToken; // the fronted server refuses any other bearer: the person's upstream token must arrive
    frontedUrl = `${app.url}/mcp/notes`;
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([upstream?.stop(), mcp?.close()]);
  });

  const token = (scopes: string[], o: { audience?: string; userId?: string } = {}) =>
    mcpBearer(app, { userId: o.userId ?? user.userId, clientId: 'mcp-fronted-client', scopes, audience: o.audience ?? frontedUrl });

  const connect = (bearer: string, url = frontedUrl) => connectWithBearer(url, bearer, 'mcp-fronted-test');

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

  it('offers limits per fronted tool on the grant forms once its tools are known, else per scope; a limit on a tool of a scope not granted is refused', async () => {
    const keys = policyKeysFor(proxyOf(app.ctx), ['notes.read', 'notes.write', 'private.use']);
    expect(keys.find((k) => k.name === 'mcp-notes.notes_add')?.fields).toEqual({ allow: ['text'], text: ['text'] }); // its inputSchema's
    expect(keys.map(({ name, label }) => ({ name, label }))).toEqual(
      expect.arrayContaining([
        { name: 'mcp-notes.notes_add', label: 'Notes: notes_add' },
        { name: 'mcp-notes.notes_list', label: 'Notes: notes_list' },
        { name: 'private.use', label: 'private: every tool of private.use' }, // never listed: by scope
      ]),
    );
    expect(keys.map((k) => k.name)).not.toContain('mcp-notes.admin_wipe');
    // A tool the form could not know of yet (of a granted scope) is accepted; one of a scope not granted is not.
    const form = { 'policy_rate_count:mcp-notes.new_tool': '3', 'policy_rate_per:mcp-notes.new_tool': 'day' };
    expect(policyFromGrantForm(proxyOf(app.ctx), form, ['notes.write'])).toEqual({
      actions: { 'mcp-notes.new_tool': { rate: { count: 3, per: 'day' } } },
    });
    expect(() => policyFromGrantForm(proxyOf(app.ctx), { 'policy_ask:mcp-notes.admin_wipe': '1' }, ['notes.write'])).toThrow(
      /"mcp-notes.admin_wipe" is neither an action nor a plugin scope granted here/,
    );
    // A limit names a field of the tool's inputSchema as the server listed it; a tool not listed yet cannot be checked
    const limit = (key: string, field: string) => ({ [`policy_max_field:${key}`]: field, [`policy_max_length:${key}`]: '5' });
    expect(() => policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.notes_add', 'body'), ['notes.write'])).toThrow(
      /mcp-notes.notes_add has no input field "body" \(its fields: text\)/,
    );
    expect(policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.notes_add', 'text'), ['notes.write'])).toBeDefined();
    expect(policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.new_tool', 'body'), ['notes.write'])).toBeDefined();
  });

  it('another instance on the database knows the tools this one listed: at its start, and when they change, without listing them', async () => {
    const server = app.config.mcpServers.find((x) => x.id === 'notes')!;
    const listings = () => mcp.requests.filter((r) => r.method === 'tools/list').length;
    const before = listings();
    const other = await startTestApp(dialect, {
      ...(({ dataDir, databaseUrl, masterKey, providers, proxyAllowRanges, mcpServers }) => ({
        dataDir,
        databaseUrl,
        masterKey,
        providers,
        proxyAllowRanges,
        mcpServers,
      }))(app.config),
    });
    try {
      const toolKeys = (ctx: typeof app.ctx) =>
        policyKeysFor(proxyOf(ctx), ['notes.write'])
          .map((k) => k.name)
          .filter((n) => n.startsWith('mcp-notes.'));
      expect(toolKeys(other.ctx)).toEqual(toolKeys(app.ctx));
      expect(toolKeys(other.ctx)).toContain('mcp-notes.notes_add');
      // The server lists one tool more through this instance: the other reads it (as its poll does), still not listing
      const tools = [...knownTools(app.ctx, server)!.values()].map((k) => k.tool);
      await rememberTools(app.ctx, server, [
        ...tools,
        { name: 'notes_tag', inputSchema: { type: 'object', properties: { tag: { type: 'string' } } } },
      ]);
      expect(toolKeys(other.ctx)).not.toContain('mcp-notes.notes_tag');
      await loadKnownTools(other.ctx);
      expect(toolKeys(other.ctx)).toContain('mcp-notes.notes_tag');
      // Its limits are checked against that tool's fields on the other instance too
      expect(() =>
        policyFromGrantForm(
          proxyOf(other.ctx),
          { 'policy_allow_field:mcp-notes.notes_tag': 'label', 'policy_allow_values:mcp-notes.notes_tag': 'a' },
          ['notes.write'],
        ),
      ).toThrow(/has no input field "label" \(its fields: tag\)/);
      expect(listings()).toBe(before);
    } finally {
      await other.stop();
      await rememberTools(
        app.ctx,
        server,
        [...knownTools(app.ctx, server)!.values()].map((k) => k.tool).filter((t) => t.name !== 'notes_tag'),
      );
    }
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
