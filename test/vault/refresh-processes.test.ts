// Refresh once across real OS processes: two `oauth3 serve` processes (each its own Node, its own database
// connections, its own vault) on one database, serving POST /auth/token to 20 concurrent requests while the
// upstream (node-oidc-provider) counts its token requests. On SQLite and on PostgreSQL.
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { spawnCli } from '../support/run-cli.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { waitHealthy } from '../support/wait-healthy.js';
import { newApiKey } from './server-api-helpers.js';

describe.each(dialects)('refresh once across two gateway processes on %s', (dialect) => {
  let up: UpstreamOidc;
  let setup: TestApp; // in this process: makes people, connections and the API key in the shared database
  let mcp: { key: string; server: string };
  const gateways: Array<{ child: ChildProcess; url: string; output: string[] }> = [];
  let logins = 0;
  /** Every upstream token the tests saw: none may appear in a gateway's output. */
  const seen = new Set<string>();

  beforeAll(async () => {
    up = await startUpstreamOidc({ accessTokenTtl: 3 });
    const providers = [up.providerEntry({ refresh_margin: 1 })];
    setup = await startTestApp(dialect, { providers });
    mcp = await newApiKey(setup, 'Refresh MCP');
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = spawnCli(['serve'], {
        OAUTH3_DATA_DIR: setup.config.dataDir,
        ...(setup.config.databaseUrl ? { DATABASE_URL: setup.config.databaseUrl } : {}),
        OAUTH3_MASTER_KEY: setup.config.masterKey!, // startTestApp always sets one
        OAUTH3_PUBLIC_URL: setup.config.publicUrl,
        OAUTH3_PORT: String(port),
        OAUTH3_WORKERS: '1',
        OAUTH3_PROVIDERS: JSON.stringify(providers),
      });
      const output: string[] = [];
      child.stdout!.on('data', (d) => output.push(String(d)));
      child.stderr!.on('data', (d) => output.push(String(d)));
      gateways.push({ child, url: `http://127.0.0.1:${port}`, output });
    }
    await Promise.all(gateways.map((g) => waitHealthy(g.url)));
  }, 60_000);
  afterEach(() => up.restore());
  afterAll(async () => {
    for (const g of gateways) if (g.child.exitCode === null) g.child.kill('SIGKILL');
    await setup?.stop();
    await up?.stop();
  });

  /** A person connected to their own upstream account, who allowed the MCP server, with the token expired. */
  async function expiredConnection() {
    const { userId } = await createTestUser(setup);
    const login = `proc-${dialect}-${++logins}`;
    const { connectionId, tokens } = await connectUpstream(setup, userId, up, { login });
    for (const t of [tokens.access_token, tokens.refresh_token, tokens.id_token]) if (t) seen.add(t);
    await vaultOf(setup.ctx).allow(userId, 'upstream', mcp.server);
    await setup.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', connectionId)
      .execute();
    return { userId, login, connectionId, tokens };
  }
  /** 20 concurrent POST /auth/token, alternating between the two processes. */
  const twentyAtOnce = (userId: string) =>
    Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${gateways[i % 2]!.url}/auth/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${mcp.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: userId, provider: 'upstream' }),
        });
        const body = (await res.json()) as Record<string, any>;
        if (body.access_token) seen.add(body.access_token);
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
      }),
    );
  const status = async (id: string) =>
    (await setup.ctx.db.selectFrom('vault_connections').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('an expired token: every request answered with the same new token, one refresh at the upstream', async () => {
    const c = await expiredConnection();
    up.resetCounts();
    const answers = await twentyAtOnce(c.userId);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const tokens = new Set(answers.map((a) => a.body.access_token as string));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    const refreshed = await setup.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('user_id', '=', c.userId)
      .where('action', '=', 'vault.refreshed')
      .execute();
    expect(refreshed).toHaveLength(1);
  });

  it('a grant revoked upstream: every request 424 ERR_VAULT_NEEDS_REAUTH after one attempt', async () => {
    const c = await expiredConnection();
    await up.revokeGrants(c.login);
    up.resetCounts();
    const answers = await twentyAtOnce(c.userId);
    expect(answers.map((a) => [a.status, a.body.error])).toEqual(Array(20).fill([424, 'ERR_VAULT_NEEDS_REAUTH']));
    expect(up.tokenRequests('refresh_token')).toBe(1);
    expect(await status(c.connectionId)).toBe('needs_reauth');
  });

  it('an upstream answering 503: every request 503 with Retry-After, one call, none again within the backoff', async () => {
    const c = await expiredConnection();
    up.failTokenEndpoint(60_000, { retryAfter: 5 }); // shorter than the vault's own 30 s backoff: that one holds
    up.resetCounts();
    const answers = await twentyAtOnce(c.userId);
    expect(answers.map((a) => [a.status, a.body.error])).toEqual(Array(20).fill([503, 'ERR_VAULT_UPSTREAM_UNAVAILABLE']));
    for (const a of answers) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(25);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    up.restore();
    const again = await twentyAtOnce(c.userId);
    expect(again.map((a) => a.status)).toEqual(Array(20).fill(503));
    expect(up.tokenRequests('refresh_token')).toBe(1);
    expect(await status(c.connectionId)).toBe('unavailable');
  });

  it('no upstream token in either process’s output', async () => {
    for (const t of await up.refreshTokens()) seen.add(t.jti); // the rotated ones too
    const output = () => gateways.map((g) => g.output.join('')).join('\n');
    for (let i = 0; i < 40 && !output().includes('upstream refresh failed'); i++) await new Promise((r) => setTimeout(r, 100)); // stdout is flushed each second
    expect(output()).toContain('upstream refresh failed'); // the 503 above was logged…
    expect(seen.size).toBeGreaterThan(6);
    for (const t of seen) expect(output()).not.toContain(t); // …and no token anywhere
  });
});
