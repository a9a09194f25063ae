import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { runCli } from '../support/run-cli.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const registerWith = (app: TestApp, scope: string) =>
  fetch(`${app.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none', scope }),
  });

describe.each(dialects)('scopes of `oauth3 resource add` on %s', (dialect) => {
  it('are known to /register while the gateway runs and after a restart, with no other request first', async () => {
    const db = await freshDatabase(dialect);
    const masterKey = randomBytes(32).toString('base64url');
    const env = { OAUTH3_DATA_DIR: db.dataDir, OAUTH3_MASTER_KEY: masterKey, ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}) };
    let app = await startTestApp(dialect, { ...db, masterKey });
    try {
      const refused = await registerWith(app, 'notes.read');
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_client_metadata' });

      const added = await runCli(['resource', 'add', 'https://notes.example/mcp', '--name', 'Notes', '--scopes', 'notes.read'], env);
      expect(added.code).toBe(0);
      await new Promise((r) => setTimeout(r, 2300)); // the stored resources' refresh interval (2 s)
      const running = await registerWith(app, 'notes.read');
      expect(running.status).toBe(201);
      expect((await running.json()).scope).toBe('notes.read');

      await app.stop();
      app = await startTestApp(dialect, { ...db, masterKey });
      const restarted = await registerWith(app, 'notes.read');
      expect(restarted.status).toBe(201);
      const unknown = await registerWith(app, 'notes.write');
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).error_description).toContain('notes.write');
    } finally {
      await app.stop();
    }
  }, 120_000); // a CLI process compiling TypeScript on start
});
