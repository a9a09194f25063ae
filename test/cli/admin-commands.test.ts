import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { runCli } from '../support/run-cli.js';
import { apiStatus, codeFor, exchange, publicClient, refresh } from '../oauth/support/oauth-helpers.js';
import { eventually } from './eventually.js';
import { createClient, findClient } from '../../src/oauth/index.js';

const REDIRECT = 'https://app.example/callback';

describe.each(dialects)('oauth3 users, clients and keys for an operator (%s)', (dialect) => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
  });
  afterAll(() => app?.stop());

  it('users list prints headed columns, and JSON with --json', async () => {
    const user = await createTestUser(app);
    const [table, json] = await Promise.all([runCli(['users', 'list'], env), runCli(['users', 'list', '--json'], env)]);
    expect(table.code, table.stderr).toBe(0);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['ID', 'USERNAME', 'EMAIL', 'CREATED', 'PASSKEYS', 'LAST SIGN-IN']);
    expect(row.split(/\s{2,}/)).toEqual([
      user.userId,
      '-',
      '-',
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\dZ$/),
      '0',
      expect.any(String),
    ]);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: user.userId, username: null, email: null, createdAt: expect.any(Number), passkeys: 0, lastSignInAt: expect.any(Number) },
    ]);
  }, 60_000);

  it('clients remove revokes the grants and tokens of a registered client, which then gets invalid_client', async () => {
    const user = await createTestUser(app);
    const client = await publicClient(app, REDIRECT);
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const tokens = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    expect(await apiStatus(app, tokens.access_token)).toBe(200);

    const listed = await runCli(['clients', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({
      clientId: client.client_id,
      name: 'Test app',
      source: 'dcr',
      createdAt: expect.any(Number),
      lastUsedAt: expect.any(Number),
    });
    expect((await runCli(['clients', 'list'], env)).stdout.split('\n')[0].split(/\s{2,}/)).toEqual([
      'CLIENT ID',
      'NAME',
      'SOURCE',
      'CREATED',
      'LAST USED',
    ]);

    const removed = await runCli(['clients', 'remove', client.client_id], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`removed ${client.client_id} (1 grants, 1 refresh families, 1 access tokens revoked)\n`);
    // The attacks: the removed client's access token and refresh token are refused, and it cannot use /token.
    expect(await eventually(async () => (await apiStatus(app, tokens.access_token)) === 401)).toBe(true);
    const again = await refresh(app, client.client_id, tokens.refresh_token);
    expect([again.status, again.body.error]).toEqual([401, 'invalid_client']);
    const event = await app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'oauth.client.removed')
      .where('target_id', '=', client.client_id)
      .executeTakeFirst();
    expect(event).toBeDefined();

    const unknown = await runCli(['clients', 'remove', client.client_id], env);
    expect([unknown.code, unknown.stderr]).toEqual([1, `oauth3: no such client: ${client.client_id} (oauth3 clients list shows them)\n`]);
  }, 90_000);

  it('clients remove refuses an agent: its owner revokes it, with its delegations', async () => {
    const owner = await createTestUser(app);
    const { client } = await createClient(app.ctx.db, {
      name: 'bot',
      source: 'agent',
      ownerUserId: owner.userId,
      grantTypes: ['client_credentials'],
    });
    const r = await runCli(['clients', 'remove', client.clientId], env);
    expect([r.code, r.stderr]).toEqual([1, `oauth3: ${client.clientId} is an agent: its owner revokes it on their agents page\n`]);
    expect(await findClient(app.ctx.db, client.clientId)).toBeDefined();
  }, 60_000);

  it('keys list prints headed columns; keys retire of an unknown kid says there is no such key', async () => {
    const [list, json, retire] = await Promise.all([
      runCli(['keys', 'list'], env),
      runCli(['keys', 'list', '--json'], env),
      runCli(['keys', 'retire', 'k_unknown'], env),
    ]);
    expect([list.code, json.code], list.stderr + json.stderr).toEqual([0, 0]);
    expect(list.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['KID', 'ALG', 'STATUS', 'CREATED', 'RETIRED']);
    expect(JSON.parse(json.stdout)).toEqual([
      { kid: app.ctx.keys.activeKid, alg: 'ES256', status: 'active', createdAt: expect.any(Number), retiredAt: null },
    ]);
    expect([retire.code, retire.stderr]).toEqual([1, 'oauth3: no such key: k_unknown (oauth3 keys list shows them)\n']);
  }, 60_000);
});
