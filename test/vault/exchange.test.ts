import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { basic, postForm, register } from '../oauth/support/oauth-helpers.js';
import { createClient, TOKEN_EXCHANGE } from '../../src/oauth/index.js';
import { exchangeServers, vaultExchangeTarget, vaultOf } from '../../src/vault/index.js';

const NOTES = 'https://notes.example/mcp'; // an MCP server using the gateway as its authorization server
const FILES = 'https://files.example/mcp'; // another one
const LOOSE = 'https://loose.example/mcp'; // one whose registered resource server is a public client
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The MCP-native way to an upstream token (RFC 8693 at /token): the MCP server holding a person's access token
 * meant for it exchanges it for that person's upstream token, if it is the registered resource server of the
 * token's audience and the person allowed it. Everything else is refused with RFC 8693's errors.
 */
describe.each(dialects)('token exchange for an upstream token (%s)', (dialect) => {
  let upstream: UpstreamOidc;
  let app: TestApp;
  type Client = { id: string; secret: string };
  let notesRs: Client;
  let filesRs: Client;
  let logins = 0;

  beforeAll(async () => {
    upstream = await startUpstreamOidc({ accessTokenTtl: 120 });
    app = await startTestApp(dialect, {
      providers: [upstream.providerEntry(), { preset: 'http_api_key' }],
      resources: [
        { url: NOTES, name: 'Notes MCP', scopes: ['notes.read'], introspector: 'notes-rs' },
        { url: FILES, name: 'Files MCP', scopes: ['files.read'], introspector: 'files-rs' },
        { url: LOOSE, name: 'Loose MCP', scopes: ['loose.read'], introspector: 'loose-rs' },
      ],
    });
    const rs = async (clientId: string, name: string): Promise<Client> => {
      const made = await createClient(app.ctx.db, { name, clientId, grantTypes: [TOKEN_EXCHANGE] });
      return { id: clientId, secret: made.clientSecret! };
    };
    notesRs = await rs('notes-rs', 'Notes server');
    filesRs = await rs('files-rs', 'Files server');
    await createClient(app.ctx.db, {
      name: 'Loose server',
      clientId: 'loose-rs',
      tokenEndpointAuthMethod: 'none',
      grantTypes: [TOKEN_EXCHANGE],
    });
    await createClient(app.ctx.db, {
      name: 'An MCP client',
      clientId: 'mcp-client',
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['http://127.0.0.1/cb'],
    });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await upstream?.stop();
  });

  /** A connected person who allowed `servers` (default: the Notes MCP server), and their access token for `audience`. */
  const person = async (o: { allow?: string[]; audience?: string[]; connect?: boolean } = {}) => {
    const { userId } = await createTestUser(app);
    const connected = o.connect === false ? undefined : await connectUpstream(app, userId, upstream, { login: `ex${dialect}${++logins}` });
    for (const server of o.allow ?? ['client:notes-rs']) await vaultOf(app.ctx).allow(userId, 'upstream', server);
    const subject = await issueAccessToken(app.ctx, {
      userId,
      clientId: 'mcp-client',
      scopes: ['notes.read'],
      audience: o.audience ?? [NOTES],
      ttl: 300,
    });
    return { userId, subject: subject.token, ...connected };
  };
  const exchange = (as: { id: string; secret?: string }, subject: string, target: Record<string, string | string[]>) =>
    postForm(
      `${app.url}/token`,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        requested_token_type: ACCESS_TOKEN,
        ...target,
        ...(as.secret ? {} : { client_id: as.id }),
      },
      as.secret ? basic(as.id, as.secret) : {},
    );
  const PROVIDER = { resource: 'urn:oauth3:provider:upstream' };

  it("gives the audience's resource server the person's upstream token, which the upstream accepts (resource or audience)", async () => {
    const p = await person();
    const r = await exchange(notesRs, p.subject, PROVIDER);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      access_token: p.tokens!.access_token,
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: expect.stringContaining('openid'),
    });
    expect(r.body.expires_in).toBeGreaterThan(60);
    expect(r.body.expires_in).toBeLessThanOrEqual(120);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(r.body)).not.toContain(p.tokens!.refresh_token!); // upstream refresh tokens never leave the vault
    const me = await fetch(`${upstream.issuer}/me`, { headers: { authorization: `Bearer ${r.body.access_token}` } });
    expect(me.status).toBe(200);

    const byAudience = await exchange(notesRs, p.subject, { audience: 'upstream' });
    expect([byAudience.status, byAudience.body.access_token]).toEqual([200, p.tokens!.access_token]);
    await app.ctx.audit.flush();
    await expect
      .poll(() =>
        app.ctx.db
          .selectFrom('audit_events')
          .selectAll()
          .where('action', '=', 'vault.token_served')
          .where('user_id', '=', p.userId)
          .execute(),
      )
      .toHaveLength(2);
    const events = await app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'vault.token_served')
      .where('user_id', '=', p.userId)
      .execute();
    expect(events.map((e) => e.actor_id)).toEqual(['client:notes-rs', 'client:notes-rs']);
    expect(JSON.stringify(events)).toContain('Notes MCP');
  });

  it('lists the servers a person may allow for the exchange: the resource servers, named as on consent pages', async () => {
    expect(await exchangeServers(app.ctx)).toEqual(
      expect.arrayContaining([
        { server: 'client:notes-rs', clientId: 'notes-rs', name: 'Notes MCP', resource: NOTES },
        { server: 'client:files-rs', clientId: 'files-rs', name: 'Files MCP', resource: FILES },
      ]),
    );
    expect((await exchangeServers(app.ctx)).map((s) => s.clientId)).not.toContain('mcp-client');
  });

  it('an MCP server registered through /register, then named its resource’s introspector by the operator, may exchange', async () => {
    const WIKI = 'https://wiki.example/mcp';
    const rs = await register(app, { client_name: 'Wiki server', grant_types: ['client_credentials', TOKEN_EXCHANGE] });
    expect(rs.grant_types).toEqual(['client_credentials', TOKEN_EXCHANGE]);
    // what `oauth3 resource add https://wiki.example/mcp --name Wiki --introspector <client_id>` stores
    await app.ctx.db
      .insertInto('oauth_resources')
      .values({ url: WIKI, name: 'Wiki MCP', scope: 'wiki.read', created_at: Date.now(), introspector: rs.client_id })
      .execute();
    await app.ctx.resources.refresh();
    const p = await person({ audience: [WIKI], allow: [`client:${rs.client_id}`] });
    const r = await exchange({ id: rs.client_id, secret: rs.client_secret }, p.subject, PROVIDER);
    expect([r.status, r.body.access_token]).toEqual([200, p.tokens!.access_token]);
    // it cannot sub-delegate with the grant (only agents can), and a public client cannot register for it
    const own = await issueAccessToken(app.ctx, {
      userId: p.userId,
      clientId: rs.client_id,
      scopes: ['wiki.read'],
      audience: [WIKI],
      ttl: 60,
    });
    const sub = await exchange({ id: rs.client_id, secret: rs.client_secret }, own.token, {});
    expect([sub.status, sub.body.error]).toEqual([400, 'invalid_request']);
    const res = await fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'public', grant_types: [TOKEN_EXCHANGE], token_endpoint_auth_method: 'none' }),
    });
    expect([res.status, (await res.json()).error]).toEqual([400, 'invalid_client_metadata']);
  });

  it('refuses a client that is not the resource server of the subject token’s audience (invalid_grant)', async () => {
    const p = await person({ allow: ['client:notes-rs', 'client:files-rs'] });
    const r = await exchange(filesRs, p.subject, PROVIDER);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    expect(r.body.error_description).toMatch(/not meant for this client/);
  });

  it('refuses a subject token of another audience, even the gateway’s own (invalid_grant)', async () => {
    for (const audience of [[FILES], [app.url]]) {
      const p = await person({ audience });
      const r = await exchange(notesRs, p.subject, PROVIDER);
      expect([audience[0], r.status, r.body.error]).toEqual([audience[0], 400, 'invalid_grant']);
      expect(r.body.error_description).toMatch(/not meant for this client/);
    }
  });

  it('refuses when the person did not allow this server, even if they allowed another (invalid_target)', async () => {
    for (const allow of [[], ['client:files-rs'], ['apikey:vk_notes']]) {
      const p = await person({ allow });
      const r = await exchange(notesRs, p.subject, PROVIDER);
      expect([allow.join(), r.status, r.body.error]).toEqual([allow.join(), 400, 'invalid_target']);
      expect(r.body.error_description).toBe(
        `the person has not allowed this server to use their Upstream connection (they may, on ${app.url}/account/connections)`,
      );
      expect(JSON.stringify(r.body)).not.toContain(p.tokens!.access_token);
    }
  });

  it('refuses a public client registered as a resource server (unauthorized_client)', async () => {
    const p = await person({ audience: [LOOSE], allow: ['client:loose-rs'] });
    const r = await exchange({ id: 'loose-rs' }, p.subject, PROVIDER);
    expect([r.status, r.body.error]).toEqual([400, 'unauthorized_client']);
    expect(r.body.error_description).toMatch(/only a confidential client/);
  });

  it('refuses a subject token that acts for no person (invalid_grant)', async () => {
    const own = await issueAccessToken(app.ctx, {
      userId: null,
      clientId: 'mcp-client',
      scopes: ['notes.read'],
      audience: [NOTES],
      ttl: 300,
    });
    const r = await exchange(notesRs, own.token, PROVIDER);
    expect([r.status, r.body.error, r.body.error_description]).toEqual([
      400,
      'invalid_grant',
      'the subject_token does not act for a person',
    ]);
  });

  it('names one configured provider and nothing else, or invalid_target', async () => {
    const p = await person();
    for (const target of [
      { resource: 'urn:oauth3:provider:gitlab' },
      { audience: 'gitlab' },
      { resource: ['urn:oauth3:provider:upstream', NOTES] },
      { resource: ['urn:oauth3:provider:upstream', 'urn:oauth3:provider:http_api_key'] },
      { resource: 'urn:oauth3:provider:upstream', audience: 'http_api_key' },
    ] as Array<Record<string, string | string[]>>) {
      const r = await exchange(notesRs, p.subject, target);
      expect([JSON.stringify(target), r.status, r.body.error]).toEqual([JSON.stringify(target), 400, 'invalid_target']);
    }
    // a resource or audience the vault does not claim is the ordinary exchange's (a gateway token for a sub-agent)
    expect(vaultExchangeTarget.claims({ resources: [NOTES] })).toBe(false);
    expect(vaultExchangeTarget.claims({ resources: [], audience: NOTES })).toBe(false);
    expect(vaultExchangeTarget.claims({ resources: [], audience: 'upstream' })).toBe(true);
  });

  it('says when the person has not connected, must connect again, or the upstream is down (503, Retry-After)', async () => {
    const none = await person({ connect: false });
    const notConnected = await exchange(notesRs, none.subject, PROVIDER);
    expect([notConnected.status, notConnected.body]).toEqual([
      400,
      { error: 'invalid_target', error_description: 'the person has not connected their Upstream account' },
    ]);

    const reauth = await person();
    await app.ctx.db.updateTable('vault_connections').set({ status: 'needs_reauth' }).where('id', '=', reauth.connectionId!).execute();
    const r = await exchange(notesRs, reauth.subject, PROVIDER);
    expect([r.status, r.body.error, r.body.error_description]).toEqual([
      400,
      'invalid_target',
      'Upstream refused the stored authorization: the person must connect the account again',
    ]);

    const down = await person();
    await app.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', down.connectionId!)
      .execute();
    upstream.failTokenEndpoint(10_000);
    try {
      const u = await exchange(notesRs, down.subject, PROVIDER);
      expect([u.status, u.body.error]).toEqual([503, 'temporarily_unavailable']);
      expect(Number(u.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      upstream.restore();
    }
  });

  it('issues a key provider’s key as urn:oauth3:token-type:api_key, token_type N_A, without expiry', async () => {
    const p = await person({ connect: false, allow: [] });
    await vaultOf(app.ctx).store({
      userId: p.userId,
      provider: 'http_api_key',
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'sk-for-notes' } },
      expiresAt: null,
    });
    await vaultOf(app.ctx).allow(p.userId, 'http_api_key', 'client:notes-rs');
    const r = await exchange(notesRs, p.subject, { resource: 'urn:oauth3:provider:http_api_key' });
    expect([r.status, r.body]).toEqual([
      200,
      { access_token: 'sk-for-notes', issued_token_type: 'urn:oauth3:token-type:api_key', token_type: 'N_A' },
    ]);
  });
});
