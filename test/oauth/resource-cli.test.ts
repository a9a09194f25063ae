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
    expect(added.stdout.trim()).toBe('https://notes.example/mcp');
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
      expect(list.stdout).toContain('https://notes.example/mcp\tNotes\tcli\tnotes.read notes.write');
      expect(list.stdout).toContain('\tgateway\t');

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
});
