import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { runCli } from '../support/run-cli.js';
import { startTestApp } from '../support/test-app.js';
import { createClient } from '../../src/oauth/index.js';
import { basic, postForm } from './support/oauth-helpers.js';

describe.each(dialects)('oauth3 resource add|list|remove on %s', (dialect) => {
  it('adds a resource server that the running gateway then issues tokens for, and removes it', async () => {
    const db = await freshDatabase(dialect);
    const masterKey = randomBytes(32).toString('base64url');
    const env = { OAUTH3_DATA_DIR: db.dataDir, OAUTH3_MASTER_KEY: masterKey, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) };
    const added = await runCli(
      ['resource', 'add', 'https://Notes.example/mcp/', '--name', 'Notes', '--scopes', 'notes.read notes.write'],
      env,
    );
    expect(added.stderr).toBe('');
    expect(added.stdout.trim()).toBe('added https://notes.example/mcp');
    const bad = await runCli(['resource', 'add', 'ftp://x.example', '--name', 'X'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('http(s)');

    const app = await startTestApp(dialect, { ...db, masterKey });
    try {
      const made = await createClient(app.ctx.db, { name: 'agent', grantTypes: ['client_credentials'] }); // operator-registered: may use scopes
      const client = { client_id: made.client.clientId, client_secret: made.clientSecret! };
      const ok = await postForm(
        `${app.url}/token`,
        { grant_type: 'client_credentials', resource: 'https://notes.example/mcp', scope: 'notes.read' },
        basic(client.client_id, client.client_secret),
      );
      expect(ok.status).toBe(200);
      expect((await app.ctx.tokens.verify(ok.body.access_token, { audience: 'https://notes.example/mcp' })).scopes).toEqual(['notes.read']);

      const list = await runCli(['resource', 'list'], env);
      const lines = list.stdout.trimEnd().split('\n');
      expect(lines[0].split(/\s+/)).toEqual(['URL', 'NAME', 'SOURCE', 'INTROSPECTOR', 'SCOPES']);
      expect(lines.find((l) => l.startsWith('https://notes.example/mcp'))?.split(/\s+/)).toEqual([
        'https://notes.example/mcp',
        'Notes',
        'cli',
        '-',
        'notes.read',
        'notes.write',
      ]);
      expect(lines.some((l) => / gateway /.test(l))).toBe(true);
      // the columns line up: every cell of a column starts where its header does
      const at = lines[0].indexOf('SOURCE');
      for (const l of lines.slice(1)) expect(l.slice(at).split(' ')[0]).toMatch(/^(gateway|cli|config|module)$/);

      const removed = await runCli(['resource', 'remove', 'https://notes.example/mcp'], env);
      expect(removed.code).toBe(0);
      await new Promise((r) => setTimeout(r, 2100)); // the registry re-reads stored resources every 2 s
      const gone = await postForm(
        `${app.url}/token`,
        { grant_type: 'client_credentials', resource: 'https://notes.example/mcp' },
        basic(client.client_id, client.client_secret),
      );
      expect(gone.status).toBe(400);
      expect(gone.body.error).toBe('invalid_target');
    } finally {
      await app.stop();
    }
  }, 180_000); // four CLI processes, each compiling TypeScript on start

  it('updates a resource keeping its scopes and introspector unless given, checks the introspector, warns of plain http elsewhere, lists as JSON', async () => {
    const db = await freshDatabase(dialect);
    const masterKey = randomBytes(32).toString('base64url');
    const env = { OAUTH3_DATA_DIR: db.dataDir, OAUTH3_MASTER_KEY: masterKey, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) };
    const app = await startTestApp(dialect, { ...db, masterKey });
    try {
      const rs = (await createClient(app.ctx.db, { name: 'files server', grantTypes: ['client_credentials'] })).client.clientId;
      const pub = (await createClient(app.ctx.db, { name: 'spa', tokenEndpointAuthMethod: 'none', redirectUris: ['https://a.example/cb'] }))
        .client.clientId;
      const FILES = 'https://files.example/mcp';
      const stored = () => app.ctx.db.selectFrom('oauth_resources').selectAll().where('url', '=', FILES).executeTakeFirstOrThrow();
      const [unknown, publicOne, added] = await Promise.all([
        runCli(['resource', 'add', FILES, '--name', 'Files', '--introspector', 'no-such-client'], env),
        runCli(['resource', 'add', 'https://other.example', '--name', 'Other', '--introspector', pub], env),
        runCli(['resource', 'add', FILES, '--name', 'Files', '--scopes', 'files.read', '--introspector', rs], env),
      ]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('--introspector: no client no-such-client');
      expect(publicOne.code).toBe(1);
      expect(publicOne.stderr).toContain('public client');
      expect(added.stdout).toBe(`added ${FILES}\n`);
      expect(await stored()).toMatchObject({ name: 'Files', scope: 'files.read', introspector: rs });

      const renamed = await runCli(['resource', 'add', FILES, '--name', 'Files v2'], env);
      expect(renamed.stdout).toBe(`updated ${FILES}\n`);
      expect(await stored()).toMatchObject({ name: 'Files v2', scope: 'files.read', introspector: rs });

      const [rescoped, elsewhere, local] = await Promise.all([
        runCli(['resource', 'add', FILES, '--name', 'Files', '--scopes', 'files.read files.write', '--no-introspector'], env),
        runCli(['resource', 'add', 'http://notes.internal:8080/mcp', '--name', 'Notes'], env),
        runCli(['resource', 'add', 'http://127.0.0.1:9000/mcp', '--name', 'Local'], env),
      ]);
      expect(rescoped.stdout).toBe(`updated ${FILES}\n`);
      expect(await stored()).toMatchObject({ scope: 'files.read files.write', introspector: null });
      expect(elsewhere.code).toBe(0);
      expect(elsewhere.stderr).toContain('warning: http://notes.internal:8080/mcp is plain http');
      expect(local.code).toBe(0);
      expect(local.stderr).toBe('');

      const json = await runCli(['resource', 'list', '--json'], env);
      const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
      expect(listed.map((r) => r.source)).toContain('gateway');
      expect(listed.find((r) => r.url === FILES)).toEqual({
        url: FILES,
        name: 'Files',
        scopes: ['files.read', 'files.write'],
        source: 'cli',
      });
      expect(listed.map((r) => r.url)).toEqual(expect.arrayContaining(['http://notes.internal:8080/mcp', 'http://127.0.0.1:9000/mcp']));
    } finally {
      await app.stop();
    }
  }, 180_000);
});
