import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { runCli } from '../support/run-cli.js';
import { vaultOf } from '../../src/vault/index.js';
import { serverApi } from './server-api-helpers.js';

const PROVIDERS = [{ preset: 'http_api_key' }, { preset: 'telegram' }];

describe.each(dialects)('oauth3 apikey create|list|revoke (%s)', (dialect) => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp(dialect, { providers: PROVIDERS });
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PROVIDERS: JSON.stringify(PROVIDERS),
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
  });
  afterAll(() => app?.stop());

  it('create prints the key once; the gateway accepts it; list shows it without the key; revoke makes it 401', async () => {
    const made = await runCli(['apikey', 'create', '--name', 'Calendar MCP', '--providers', 'http_api_key'], env);
    expect(made.code, made.stderr).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^o3k_[0-9A-Za-z]{49}$/);
    const id = /^(vk_[0-9a-f]+) "Calendar MCP" for http_api_key: shown once, store it now\n$/.exec(made.stderr)?.[1];
    expect(id, made.stderr).toBeDefined();
    const stored = await app.ctx.db.selectFrom('vault_api_keys').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(key); // only the hash

    const { userId } = await createTestUser(app);
    await vaultOf(app.ctx).store({
      userId,
      provider: 'http_api_key',
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'sk-1' } },
      expiresAt: null,
    });
    await vaultOf(app.ctx).allow(userId, 'http_api_key', `apikey:${id}`);
    const served = await serverApi(app, 'POST', '/auth/token', { key, body: { user_id: userId, provider: 'http_api_key' } });
    expect([served.status, served.body.access_token]).toEqual([200, 'sk-1']);
    const other = await serverApi(app, 'POST', '/auth/token', { key, body: { user_id: userId, provider: 'telegram' } });
    expect([other.status, other.body.error]).toEqual([403, 'ERR_VAULT_API_KEY_PROVIDER']);

    const [table, json] = await Promise.all([runCli(['apikey', 'list'], env), runCli(['apikey', 'list', '--json'], env)]);
    expect([table.code, json.code], table.stderr + json.stderr).toEqual([0, 0]);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'PROVIDERS', 'CREATED', 'LAST USED', 'REVOKED']);
    const row = rows.find((r) => r.startsWith(id!))!;
    expect(row.split(/\s{2,}/)).toEqual([
      id,
      'Calendar MCP',
      'http_api_key',
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\dZ$/),
      expect.stringMatching(/Z$/),
      '-',
    ]);
    expect(JSON.parse(json.stdout)).toContainEqual({
      id,
      name: 'Calendar MCP',
      providers: ['http_api_key'],
      createdAt: expect.any(Number),
      lastUsedAt: expect.any(Number),
      revokedAt: null,
    });
    expect(table.stdout + json.stdout).not.toContain(key);

    const revoked = await runCli(['apikey', 'revoke', id!], env);
    expect([revoked.code, revoked.stdout]).toEqual([0, `revoked ${id}\n`]);
    const refused = await serverApi(app, 'POST', '/auth/token', { key, body: { user_id: userId, provider: 'http_api_key' } });
    expect([refused.status, refused.body.error]).toEqual([401, 'ERR_VAULT_BAD_API_KEY']);
    expect((await runCli(['apikey', 'revoke', id!], env)).stdout).toBe(`${id} was already revoked\n`);
    const events = await app.ctx.db.selectFrom('audit_events').select('action').where('target_id', '=', id!).orderBy('id').execute();
    expect(events.map((e) => e.action)).toEqual(['vault.apikey_created', 'vault.apikey_revoked']);
  }, 90_000);

  it('refuses an unknown provider, an empty name and an unknown id, creating nothing', async () => {
    const before = (await app.ctx.db.selectFrom('vault_api_keys').select('id').execute()).length;
    const [unknown, empty, blankList, revoke] = await Promise.all([
      runCli(['apikey', 'create', '--name', 'x', '--providers', 'http_api_key,gitlab'], env),
      runCli(['apikey', 'create', '--name', '  '], env),
      runCli(['apikey', 'create', '--name', 'x', '--providers', 'http_api_key,'], env),
      runCli(['apikey', 'revoke', 'vk_nope'], env),
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'oauth3: --providers: no provider "gitlab" is configured (oauth3 provider list shows them)\n',
    ]);
    expect([empty.code, empty.stderr]).toEqual([1, 'oauth3: --name: one line of at most 100 characters\n']);
    expect([blankList.code, blankList.stderr]).toEqual([1, 'oauth3: --providers: a comma-separated list of provider ids\n']);
    expect([revoke.code, revoke.stderr]).toEqual([1, 'oauth3: no such key: vk_nope (oauth3 apikey list shows them)\n']);
    expect((await app.ctx.db.selectFrom('vault_api_keys').select('id').execute()).length).toBe(before);
    expect(unknown.stdout + empty.stdout).toBe('');
  }, 90_000);

  it('a key for any provider says so', async () => {
    const made = await runCli(['apikey', 'create', '--name', 'Everything'], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/"Everything" for any provider: shown once/);
    const list = await runCli(['apikey', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ name: 'Everything', providers: null }));
  }, 60_000);
});
