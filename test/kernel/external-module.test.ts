import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { pkce, publicClient } from '../oauth/support/oauth-helpers.js';

const MODULE = './test/kernel/notes-module.ts';
const root = new URL('../../', import.meta.url).pathname;

/**
 * Adding a module needs no edit outside its folder and one config line: test/kernel/notes-module.ts, loaded
 * through OAUTH3_MODULES, declares a scope, a route, an audit event type, an error code, a config option and a
 * migration, and each shows up where the built-ins' do.
 */
describe.each(dialects)('an external module loaded through OAUTH3_MODULES (%s)', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect, {}, [], undefined, { OAUTH3_MODULES: MODULE, OAUTH3_NOTES_GREETING: 'bonjour' });
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const bearer = async (scopes: string[]) =>
    (await issueAccessToken(app.ctx, { userId: user.userId, clientId: 'test-client', scopes, audience: [app.url], ttl: 60 })).token;
  const notes = async (token: string) => fetch(`${app.url}/api/v1/notes`, { headers: { authorization: `Bearer ${token}` } });

  it('runs its migration, with its own bookkeeping table', async () => {
    const tables = (await app.ctx.db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['notes', 'oauth3_migrations_notes']));
  });

  it('serves its route with its option, its error code and its scope checked by the one verifier', async () => {
    const token = await bearer(['notes.read']);
    const empty = await notes(token);
    expect(empty.status).toBe(404);
    expect(await empty.json()).toEqual({ error: 'ERR_NOTES_EMPTY', message: 'You have no notes yet.' });
    await sql`insert into notes (id, user_id, body) values (${'n1'}, ${user.userId}, ${'buy milk'})`.execute(app.ctx.db);
    const listed = await notes(token);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ greeting: 'bonjour', notes: ['buy milk'] });
    const narrow = await notes(await bearer(['mcp']));
    expect(narrow.status).toBe(403);
    expect(narrow.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it("publishes its scope in discovery, for the gateway's own API", async () => {
    const as = await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();
    expect(as.scopes_supported).toContain('notes.read');
    const prm = await (await fetch(`${app.url}/.well-known/oauth-protected-resource`)).json();
    expect(prm.scopes_supported).toContain('notes.read');
  });

  it('shows its scope, with its description, on the consent page', async () => {
    const client = await publicClient(app, 'http://127.0.0.1:9/cb');
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'notes.read',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      state: 's',
    });
    const first = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    const page = await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: user.cookie } });
    const html = await page.text();
    expect(html).toContain('data-testid="consent"');
    expect(html).toMatch(/Read your test notes <code[^>]*>notes.read<\/code>/);
  });

  it("puts its event type in the access log, and in the log's filter", async () => {
    await app.ctx.audit.flush();
    const page = await (await fetch(`${app.url}/account/events?kind=notes`, { headers: { cookie: user.cookie } })).text();
    expect(page).toMatch(/<option[^>]*value="notes"/);
    expect(page).toContain('Notes listed');
    const api = await (await fetch(`${app.url}/api/v1/me/events?kind=notes`, { headers: { cookie: user.cookie } })).json();
    expect(api.events.map((e: { action: string }) => e.action)).toEqual(['notes.listed']);
  });
});

describe('the docs generated with an external module', () => {
  it('list its error code and its option', async () => {
    const out = mkdtempSync(join(tmpdir(), 'oauth3-docs-'));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/generate-docs.ts', out], {
      cwd: root,
      env: { ...process.env, OAUTH3_MODULES: MODULE },
    });
    expect(readFileSync(join(out, 'errors.md'), 'utf8')).toContain('| `ERR_NOTES_EMPTY` | notes | 404 | You have no notes yet. |');
    expect(readFileSync(join(out, 'configuration.md'), 'utf8')).toContain('| `OAUTH3_NOTES_GREETING` | `notesGreeting` |');
    // and the committed docs are exactly what the built-ins generate
    const builtin = mkdtempSync(join(tmpdir(), 'oauth3-docs-'));
    const env = { ...process.env };
    delete env.OAUTH3_MODULES;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/generate-docs.ts', builtin], { cwd: root, env });
    for (const f of ['errors.md', 'configuration.md'])
      expect(readFileSync(join(root, 'docs', f), 'utf8'), `docs/${f} is stale: npm run docs`).toBe(readFileSync(join(builtin, f), 'utf8'));
  });
});
